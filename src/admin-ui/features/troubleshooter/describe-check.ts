import type { i18n } from 'i18next';
import type { TroubleshooterCheck } from '../../../tenant/api/contract.js';
import { readStoredErrorParams } from '../../../shared/error-params.js';
import { formatDateTime } from '../../shared/format-date.js';
import { renderErrorTemplate, translateCode } from '../../shared/localize.js';

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
  const failedCycle = describeFailedCycle(check, i18next, locale);
  if (failedCycle) return { found: failedCycle, action: english ? withLocalTimes(check.action, locale) : t(`troubleshooter.checks.${check.id}.action`) };
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

/**
 * A failed last cycle named with its error's facts (the URL, the LDIF lines) in the admin's
 * language: the code's template filled with the run's params, else the code's general text. The
 * facts are put in as text, never through i18next interpolation (an agent sent them).
 */
function describeFailedCycle(check: TroubleshooterCheck, i18next: i18n, locale: string): string | null {
  const { errorCode, kind, finishedAt, errorParams } = check.params;
  if (check.id !== 'last_cycle' || check.verdict !== 'error' || typeof errorCode !== 'string' || (kind !== 'directory' && kind !== 'password') || typeof finishedAt !== 'string') return null;
  const t = i18next.t;
  const params = readStoredErrorParams(typeof errorParams === 'string' ? errorParams : null);
  // English without facts: the server's words say as much (and name a second failed kind too).
  if (i18next.language === 'en' && !params) return null;
  const error = renderErrorTemplate(errorCode, params, t, locale) ?? translateCode(errorCode, t)?.message;
  if (!error) return null;
  const template = t('troubleshooter.checks.last_cycle.failedDetail', { skipInterpolation: true, defaultValue: '' });
  if (!template) return null;
  const values: Record<string, string> = { kind: t(`dirsync.cycleKind.${kind}`), finishedAt: formatDateTime(finishedAt, locale), error, code: errorCode };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole: string, name: string) => values[name] ?? whole);
}
