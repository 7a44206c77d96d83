/**
 * The facts of an error (which user holds the UPN, which field is invalid, which LDIF line) as
 * named values, so the admin center renders the code's template in the admin's language with
 * the same facts. The English `message` stays beside them for the CLI, logs and old rows.
 *
 * Params cross a trust boundary (agent -> tenant): only short names and string or finite number
 * values, bounded in count and length. `boundErrorParams` is what a producer applies to its own
 * values (it truncates, never throws); `checkErrorParams` is what the tenant applies to what
 * arrives (it refuses).
 *
 * Numbers are quantities (counts, lengths, bounds): the admin center groups them per language
 * (1.024 / 1,024). An identifier that happens to be numeric (a port, an LDAP result code, a hex
 * status) goes as a string. A time goes as an ISO 8601 string in UTC; the admin center shows it in
 * the admin's local format, never raw.
 */
export type ErrorParams = Record<string, string | number>;

export const ERROR_PARAM_LIMITS = {
  /** Names per error. */
  maxCount: 12,
  /** Characters of one string value (a DN fits; a longer one is cut with an ellipsis by its producer). */
  maxValueChars: 1024,
  /** A name: a letter, then letters and digits (no `__proto__`, no i18next option names with dots). */
  namePattern: /^[a-z][A-Za-z0-9]{0,31}$/,
} as const;

/**
 * Names i18next reads as options rather than placeholders; a param of that name would change the
 * lookup (language, plural, default) instead of filling a gap, so none may be used.
 */
export const RESERVED_PARAM_NAMES: ReadonlySet<string> = new Set([
  'lng', 'lngs', 'ns', 'count', 'context', 'defaultValue', 'replace', 'returnObjects', 'returnDetails',
  'joinArrays', 'postProcess', 'interpolation', 'keySeparator', 'nsSeparator', 'ordinal', 'fallbackLng',
]);

/** Why `params` is not acceptable, or null when it is. */
export function checkErrorParams(params: unknown): string | null {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return 'must be an object';
  const entries = Object.entries(params);
  if (entries.length > ERROR_PARAM_LIMITS.maxCount) return `at most ${ERROR_PARAM_LIMITS.maxCount} names are allowed`;
  for (const [name, value] of entries) {
    if (!ERROR_PARAM_LIMITS.namePattern.test(name) || RESERVED_PARAM_NAMES.has(name)) return `"${name.slice(0, 40)}" is not an allowed name`;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `${name} must be a finite number`;
    } else if (typeof value === 'string') {
      if (value.length > ERROR_PARAM_LIMITS.maxValueChars) return `${name} has more than ${ERROR_PARAM_LIMITS.maxValueChars} characters`;
    } else {
      return `${name} must be a string or a number`;
    }
  }
  return null;
}

/** A producer's params made acceptable: long strings cut, bad names and values dropped, at most maxCount kept. */
export function boundErrorParams(params: Record<string, unknown>): ErrorParams {
  const out: ErrorParams = {};
  let kept = 0;
  for (const [name, value] of Object.entries(params)) {
    if (kept >= ERROR_PARAM_LIMITS.maxCount) break;
    if (!ERROR_PARAM_LIMITS.namePattern.test(name) || RESERVED_PARAM_NAMES.has(name)) continue;
    if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
    else if (typeof value === 'string') out[name] = value.length > ERROR_PARAM_LIMITS.maxValueChars ? `${value.slice(0, ERROR_PARAM_LIMITS.maxValueChars - 1)}…` : value;
    else continue;
    kept += 1;
  }
  return out;
}

/** Params as stored (a JSON text column), read back defensively: a row that does not parse has none. */
export function readStoredErrorParams(text: string | null | undefined): ErrorParams | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return checkErrorParams(parsed) === null ? (parsed as ErrorParams) : null;
  } catch {
    return null;
  }
}

/** Params for the JSON text column: null when there are none. */
export function storedErrorParams(params: ErrorParams | null | undefined): string | null {
  return params && Object.keys(params).length > 0 ? JSON.stringify(params) : null;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether a param value is a time (an ISO 8601 date-time), which the UI shows in local format. */
export function isErrorParamTime(value: string): boolean {
  return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}
