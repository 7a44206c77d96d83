import type { TFunction } from 'i18next';
import { checkErrorParams, isErrorParamTime, type ErrorParams } from '../../shared/error-params.js';
import { ApiError } from '../api/client.js';
import { localeOf } from '../i18n/language.js';
import { formatDateTime } from './format-date.js';

export interface Explained {
  code: string;
  message: string;
  hint: string;
}

/**
 * An error in the admin's language: the code's template filled with the error's params where
 * both exist (the same facts as the English message), else a translation by code, else the
 * server's words. In English the server's words win, since they can be more specific than a template.
 */
export function explainError(error: unknown, t: TFunction, language: string): Explained {
  if (error instanceof ApiError) {
    if (language === 'en') return { code: error.code, message: error.message, hint: error.hint };
    const translated = translateCode(error.code, t);
    const detailed = renderErrorTemplate(error.code, error.params, t, localeOf(language));
    return { code: error.code, message: detailed ?? translated?.message ?? error.message, hint: translated?.hint ?? error.hint };
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

const FORM_PATTERN = /^[a-z][A-Za-z0-9]{0,31}$/;
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A rendered template in pieces: the template's words, and the facts (`value`), which are data, not language. */
export type MessagePart = { text: string; value: boolean };

/**
 * One fact as the admin reads it: a number grouped in the admin's language (1.024 / 1,024), a
 * time (an ISO string) in the app's local date format, anything else as sent.
 */
export function formatParamValue(value: string | number, locale: string): string {
  if (typeof value === 'number') return new Intl.NumberFormat(locale).format(value);
  return isErrorParamTime(value) ? formatDateTime(value, locale) : value;
}

/**
 * `errors.<code>.detail` (or `detail_<form>` when params name a form) filled with params, or null
 * when there are no params, no such template, or the template needs a fact the params lack: a
 * half-filled sentence would state less than the generic one. Values are put in as text (no
 * i18next interpolation or nesting of what an agent sent), numbers and times in `locale`'s format.
 */
export function renderErrorParts(code: string, params: ErrorParams | null | undefined, t: TFunction, locale = 'en-US'): MessagePart[] | null {
  if (!CODE_PATTERN.test(code)) return null;
  return renderTemplateParts(`errors.${code}.detail`, params, t, locale);
}

/**
 * `<base>` (or `<base>_<form>` when params name a form) filled with params, on the rules of
 * `renderErrorParts`: the error templates (`errors.<CODE>.detail`) and the status warnings' (`warnings.detail.<CODE>`).
 */
export function renderTemplateParts(base: string, params: ErrorParams | null | undefined, t: TFunction, locale = 'en-US'): MessagePart[] | null {
  if (!params || checkErrorParams(params) !== null) return null;
  const form = params['form'];
  if (form !== undefined && (typeof form !== 'string' || !FORM_PATTERN.test(form))) return null;
  const key = form === undefined ? base : `${base}_${form}`;
  const template = t(key, { defaultValue: '', skipInterpolation: true });
  if (!template) return null;
  const parts: MessagePart[] = [];
  const pieces = template.split(/\{\{\s*(\w+)\s*\}\}/);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    if (i % 2 === 0) {
      if (piece) parts.push({ text: piece, value: false });
    } else {
      if (!Object.hasOwn(params, piece)) return null;
      parts.push({ text: formatParamValue(params[piece] ?? '', locale), value: true });
    }
  }
  return parts;
}

export function renderErrorTemplate(code: string, params: ErrorParams | null | undefined, t: TFunction, locale?: string): string | null {
  return renderErrorParts(code, params, t, locale)?.map((part) => part.text).join('') ?? null;
}

/**
 * A stored row (sync error) in the admin's language: its template with its params (also in
 * `parts`, to mark the facts as data), else a translation by code, else as sent.
 */
export function localizeByCode(code: string, sent: { message: string; hint: string; params?: ErrorParams | null }, t: TFunction, language: string): { message: string; hint: string; parts: MessagePart[] | null } {
  if (language === 'en') return { message: sent.message, hint: sent.hint, parts: null };
  const translated = translateCode(code, t);
  const parts = renderErrorParts(code, sent.params, t, localeOf(language));
  return { message: parts?.map((part) => part.text).join('') ?? translated?.message ?? sent.message, hint: translated?.hint ?? sent.hint, parts };
}

/**
 * A run's error (sync history, the DirSync status's last cycle, the preview) in the admin's
 * language: the code's template with the run's params and the code's hint, else the translation
 * by code, else the stored English words (which already end with the hint).
 */
export function localizeRunError(
  run: { errorCode: string | null; errorMessage: string | null; errorParams?: ErrorParams | null },
  t: TFunction,
  language: string,
): { message: string; hint: string; parts: MessagePart[] | null } | null {
  if (!run.errorCode) return run.errorMessage ? { message: run.errorMessage, hint: '', parts: null } : null;
  const sent = { message: run.errorMessage ?? '', hint: '', params: run.errorParams ?? null };
  const text = localizeByCode(run.errorCode, sent, t, language);
  return text.message ? text : null;
}
