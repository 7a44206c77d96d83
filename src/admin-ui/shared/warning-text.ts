import type { TFunction } from 'i18next';
import type { StatusWarning, WarningCode } from '../../tenant/api/contract.js';

/** The warnings about a sync that is too old or never ran; they carry the reference sentence. */
export const STALE_CODES: ReadonlySet<WarningCode> = new Set<WarningCode>(['DIRECTORY_SYNC_STALE', 'PASSWORD_SYNC_STALE', 'DIRECTORY_SYNC_NEVER_RAN', 'PASSWORD_SYNC_NEVER_RAN']);

/**
 * The warning's words: the reference sentence for a stale sync in every language; otherwise the
 * server's English (it carries the counts) or the translation by code in another language.
 */
export function warningText(warning: StatusWarning, staleAfterHours: number, t: TFunction, language: string): string {
  if (warning.code === 'DIRECTORY_SYNC_STALE' || warning.code === 'PASSWORD_SYNC_STALE') {
    // The reference wording says "three days"; other thresholds name their hours.
    return staleAfterHours === 72 ? t('warnings.stale') : t('warnings.staleHours', { hours: staleAfterHours });
  }
  if (language === 'en' && warning.message) return warning.message;
  const translated = t(`warnings.message.${warning.code}`, { defaultValue: '' });
  return translated || warning.message;
}
