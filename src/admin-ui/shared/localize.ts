import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.js';

export interface Explained {
  code: string;
  message: string;
  hint: string;
}

/**
 * An error in the admin's language: a translation by code where we have one, else the server's
 * words. In English the server's words win, since they can be more specific than the registry text.
 */
export function explainError(error: unknown, t: TFunction, language: string): Explained {
  if (error instanceof ApiError) {
    const translated = language !== 'en' ? translateCode(error.code, t) : null;
    return { code: error.code, message: translated?.message ?? error.message, hint: translated?.hint ?? error.hint };
  }
  const internal = translateCode('INTERNAL_ERROR', t);
  return {
    code: 'INTERNAL_ERROR',
    message: error instanceof Error && error.message ? error.message : (internal?.message ?? 'Something went wrong.'),
    hint: internal?.hint ?? '',
  };
}

export function translateCode(code: string, t: TFunction): { message: string; hint: string } | null {
  const messageKey = `errors.${code}.message`;
  const hintKey = `errors.${code}.hint`;
  const message = t(messageKey, { defaultValue: '' });
  const hint = t(hintKey, { defaultValue: '' });
  return message && hint ? { message, hint } : null;
}

/** Server text for a row (sync error): the Dutch translation by code, else as sent. */
export function localizeByCode(code: string, sent: { message: string; hint: string }, t: TFunction, language: string): { message: string; hint: string } {
  if (language === 'en') return sent;
  return translateCode(code, t) ?? sent;
}
