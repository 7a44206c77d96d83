import type { TFunction } from 'i18next';
import type { StatusWarning, WarningCode } from '../../tenant/api/contract.js';
import { localeOf } from '../i18n/language.js';
import { localizeRunError, renderTemplateParts } from './localize.js';

/** The warnings about a sync that is too old or never ran; they carry the reference sentence. */
export const STALE_CODES: ReadonlySet<WarningCode> = new Set<WarningCode>(['DIRECTORY_SYNC_STALE', 'PASSWORD_SYNC_STALE', 'DIRECTORY_SYNC_NEVER_RAN', 'PASSWORD_SYNC_NEVER_RAN']);

/**
 * The warning's words: the reference sentence for a stale sync in every language, with the time of
 * the last sync; otherwise the warning's template with its facts (`params`), else the server's
 * English in English, else the translation by code.
 */
export function warningText(warning: StatusWarning, staleAfterHours: number, t: TFunction, language: string): string {
  const locale = localeOf(language);
  const detail = renderTemplateParts(`warnings.detail.${warning.code}`, warning.params, t, locale)?.map((part) => part.text).join('') ?? null;
  if (warning.code === 'DIRECTORY_SYNC_STALE' || warning.code === 'PASSWORD_SYNC_STALE') {
    // The reference wording says "three days"; other thresholds name their hours.
    const reference = staleAfterHours === 72 ? t('warnings.stale') : t('warnings.staleHours', { hours: staleAfterHours });
    return detail ? `${reference} ${detail}` : reference;
  }
  if (warning.code === 'LAST_CYCLE_FAILED' && detail) {
    // In every language, English too: the template states the cycle's time, which the server's words lack.
    // Then the failed run's own error in the admin's language, from its code's template and params.
    const cause = warning.cause ? localizeRunError(warning.cause, t, language) : null;
    return cause ? `${detail} ${cause.message}` : detail;
  }
  if (language === 'en' && warning.message) return warning.message;
  if (detail) return detail;
  const translated = t(`warnings.message.${warning.code}`, { defaultValue: '' });
  return translated || warning.message;
}
