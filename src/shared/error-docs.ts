import { ERRORS } from './errors.js';

/** docs/errors.md, generated from the registry (scripts/make-docs.ts); a test keeps the file in step. */
export function renderErrorDocs(): string {
  const rows = Object.entries(ERRORS).map(([code, d]) => `| \`${code}\` | ${d.status} | ${d.message} | ${d.hint} |`);
  return [
    '# Error codes',
    '',
    'Every error dirbridge reports carries one of these stable codes, in the API (`{ "error": { "code", "message", "hint" } }`),',
    'the CLI (`Error CODE: message` and `What to do: hint`) and the admin center. Codes are never reused or renamed.',
    'An error may also carry `params`: the facts its message names (the field that is invalid, the object that holds a UPN,',
    'the LDIF line), as string or number values by name. Sync errors carry them too (`GET /api/v1/sync-errors`), and so do',
    'a run\'s error (`errorParams` in `GET /api/v1/sync-runs` and in the DirSync status\'s last cycle) and a preview\'s error;',
    'the admin center fills the code\'s template in the admin\'s language with them, numbers grouped and times in local format.',
    'An agent\'s params are refused beyond 12 names (a letter, then letters and digits) or a value over 1,024 characters.',
    'The names each code may carry are listed in `ERROR_PARAM_NAMES` (`src/shared/errors.ts`).',
    'Generated from `src/shared/errors.ts` by `npx tsx scripts/make-docs.ts`; do not edit by hand.',
    '',
    '| Code | HTTP | Meaning | How to fix |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
