import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import nl from './nl.json' with { type: 'json' };
import { LANGUAGE_STORAGE_KEY, localeOf, pickLanguage, type Language } from './language.js';

function readStoredLanguage(): string | null {
  try {
    return window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy): fall back to the browser language
  }
}

export function initI18n(): i18n {
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  const lng = pickLanguage(readStoredLanguage(), languages);
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, nl: { translation: nl } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  const showLanguage = (language: string) => {
    document.documentElement.lang = localeOf(language);
    document.title = i18next.t('app.productName');
  };
  i18next.on('languageChanged', showLanguage);
  showLanguage(lng);
  return i18next;
}

/** Switches the language and remembers the choice for the next visit. */
export function chooseLanguage(language: Language): void {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // not remembered, but still switched
  }
  void i18next.changeLanguage(language);
}
