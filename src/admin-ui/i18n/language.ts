/** The admin center's languages and how one is chosen; pure, so it is unit-tested without a browser. */
export const LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The Intl locale of each language (dates, numbers). */
export const LOCALES: Record<Language, string> = { en: 'en-US', nl: 'nl-NL' };

export const LANGUAGE_STORAGE_KEY = 'dirbridge.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** A stored choice wins; else the first browser language we have (nl-BE -> nl); else English. */
export function pickLanguage(stored: string | null, browserLanguages: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

export function localeOf(language: string): string {
  return isLanguage(language) ? LOCALES[language] : LOCALES.en;
}
