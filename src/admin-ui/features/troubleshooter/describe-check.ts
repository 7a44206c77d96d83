import type { i18n } from 'i18next';
import type { TroubleshooterCheck } from '../../../tenant/api/contract.js';
import { formatDateTime } from '../../shared/format-date.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const ISO_IN_TEXT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/g;

/** Server text with its ISO timestamps written for a person. */
function withLocalTimes(text: string, locale: string): string {
  return text.replace(ISO_IN_TEXT, (iso) => formatDateTime(iso, locale));
}

function placeholders(template: string): string[] {
  return [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1] ?? '');
}

/**
 * What a check found and what to do, in the admin's language: the detailed translation when every
 * value it names is in `params` (dates in the admin's format). Else English shows the server's words
 * with any ISO time in them formatted, and other languages the general text for the id + verdict
 * (a unit test keeps one for every check).
 */
export function describeCheck(check: TroubleshooterCheck, i18next: i18n, locale: string): { found: string; action: string } {
  const t = i18next.t;
  const english = i18next.language === 'en';
  const base = `troubleshooter.checks.${check.id}`;
  const kind = check.verdict === 'ok' ? 'ok' : 'problem';
  // The raw template, to see which values it needs before filling it in.
  const key = `${base}.${kind}Detail`;
  const detail: unknown = i18next.getResource(i18next.language, 'translation', key) ?? i18next.getResource(i18next.language, 'translation', `${key}_other`);
  let found = '';
  if (typeof detail === 'string' && placeholders(detail).every((name) => check.params[name] !== undefined && check.params[name] !== null)) {
    const values = Object.fromEntries(
      Object.entries(check.params).map(([name, value]) => [name, typeof value === 'string' && ISO_DATE.test(value) ? formatDateTime(value, locale) : value]),
    );
    found = t(key, values); // a `count` param picks the plural form
  }
  if (english) return { found: found || withLocalTimes(check.found, locale), action: withLocalTimes(check.action, locale) };
  found ||= t(`${base}.${kind}`, { defaultValue: '' }) || withLocalTimes(check.found, locale);
  const action = check.verdict === 'ok' ? '' : t(`${base}.action`, { defaultValue: '' }) || withLocalTimes(check.action, locale);
  return { found, action };
}
