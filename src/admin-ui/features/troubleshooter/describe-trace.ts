import type { i18n } from 'i18next';
import type { PasswordTraceStep } from '../../../tenant/api/contract.js';
import { formatDateTime } from '../../shared/format-date.js';

const ISO_DATES = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
const IS_ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * A trace step in the admin's language, dates in the admin's format. English keeps the server's
 * words (they name the error message), with its ISO times formatted; Dutch is built from the
 * step's id, verdict and params.
 */
export function describeTraceStep(step: PasswordTraceStep, i18next: i18n, locale: string): { found: string; action: string } {
  if (i18next.language === 'en') {
    return { found: step.found.replace(ISO_DATES, (iso) => formatDateTime(iso, locale)), action: step.action };
  }
  const p = step.params;
  const variant = step.id === 'in_scope' && step.verdict === 'error' && p['code'] ? 'errorCode'
    : step.id === 'scheme' && step.verdict === 'warning' && p['scheme'] === 'CLEARTEXT' ? 'cleartext'
      : step.id === 'source_changed' && !p['at'] ? 'okUnknown'
        : step.verdict;
  const values = Object.fromEntries(Object.entries(p).map(([name, value]) => [name, typeof value === 'string' && IS_ISO_DATE.test(value) ? formatDateTime(value, locale) : value ?? '']));
  const found = i18next.t(`passwordTraceText.${step.id}.${variant}`, { ...values, defaultValue: '' }) || step.found.replace(ISO_DATES, (iso) => formatDateTime(iso, locale));
  const action = step.action ? i18next.t(`passwordTraceText.action.${step.id}`, { defaultValue: step.action }) : '';
  return { found, action };
}
