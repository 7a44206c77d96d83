import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_PARAM_NAMES, ERRORS } from '../../shared/errors.js';
import { WARNING_PARAM_NAMES } from '../../tenant/api/contract.js';
import en from './en.json' with { type: 'json' };
import nl from './nl.json' with { type: 'json' };
import { pickLanguage } from './language.js';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const english = flatten(en as Tree);
const dutch = flatten(nl as Tree);

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

/** The words of notes/admin-center.md, English and proper Dutch, that admins know from the reference flow. */
const REFERENCE_WORDS: Array<[string, string]> = [
  ['DirSync status', 'DirSync-status'],
  ['Users', 'Gebruikers'],
  ['Active users', 'Actieve gebruikers'],
  ['More', 'Meer'],
  ['Directory synchronization', 'Adreslijstsynchronisatie'],
  ['Directory synchronization pane', 'Deelvenster Adreslijstsynchronisatie'],
  ['Go to DirSync management', 'Ga naar DirSync-beheer'],
  ['DirSync management', 'DirSync-beheer'],
  ["Now you'll see your status, and make changes", 'Hier ziet u de status en brengt u wijzigingen aan'],
  ['Password sync enabled', 'Wachtwoordsynchronisatie ingeschakeld'],
  ['True', 'Waar'],
  ['False', 'Onwaar'],
  ['Last password sync', 'Laatste wachtwoordsynchronisatie'],
  ['Directory sync enabled', 'Adreslijstsynchronisatie ingeschakeld'],
  ['Last directory sync', 'Laatste adreslijstsynchronisatie'],
  ['The last sync was more than three days ago.', 'De laatste synchronisatie is meer dan drie dagen geleden.'],
  ['Troubleshooter', 'Probleemoplosser'],
  ['Sync errors', 'Synchronisatiefouten'],
  ['Specifies whether password sync is enabled between on-premises and your tenant.', 'Geeft aan of wachtwoordsynchronisatie tussen on-premises en uw tenant is ingeschakeld.'],
  ['Synced from on-premises', 'Gesynchroniseerd vanuit on-premises'],
  ['Cloud only', 'Alleen cloud'],
  ['Never', 'Nooit'],
];

describe('i18n resources', () => {
  it('have exactly the same keys in English and Dutch', () => {
    expect([...dutch.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it('have no empty values', () => {
    const empty = [...english, ...dutch].filter(([, value]) => value.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const mismatched = [...english].filter(([key, value]) => placeholders(value).join() !== placeholders(dutch.get(key) ?? '').join()).map(([key]) => key);
    expect(mismatched).toEqual([]);
  });

  it.each(REFERENCE_WORDS)('uses the reference words "%s" / "%s" for the same key', (englishWord, dutchWord) => {
    const keys = [...english].filter(([, value]) => value === englishWord).map(([key]) => key);
    expect(keys.length, `no English text is exactly "${englishWord}"`).toBeGreaterThan(0);
    expect(keys.some((key) => dutch.get(key) === dutchWord), `no key has "${englishWord}" in English and "${dutchWord}" in Dutch`).toBe(true);
  });

  it('translates only codes of the error registry, and in English with the registry words', () => {
    const registry = ERRORS as Record<string, { message: string; hint: string }>;
    const codes = [...new Set([...english.keys()].filter((k) => k.startsWith('errors.')).map((k) => k.split('.')[1] ?? ''))];
    for (const code of codes) {
      if (code === 'NETWORK') continue; // the one client-side condition: the request never reached the service
      expect(registry[code], `errors.${code} is not in src/shared/errors.ts`).toBeDefined();
      expect(english.get(`errors.${code}.message`)).toBe(registry[code]?.message);
      expect(english.get(`errors.${code}.hint`)).toBe(registry[code]?.hint);
    }
  });

  it('has an English and a Dutch message and hint, with the same placeholders, for every code of the error registry', () => {
    const missing: string[] = [];
    for (const code of Object.keys(ERRORS)) {
      for (const part of ['message', 'hint']) {
        const key = `errors.${code}.${part}`;
        const e = english.get(key);
        const d = dutch.get(key);
        if (!e || !d) missing.push(`${key}: ${!e ? 'no English' : ''} ${!d ? 'no Dutch' : ''}`.trim());
        else if (placeholders(e).join() !== placeholders(d).join()) missing.push(`${key}: placeholders differ`);
        else if (code !== 'NETWORK' && d === e) missing.push(`${key}: Dutch is the English text`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('fills error templates only with facts the producers send (ERROR_PARAM_NAMES, held to by the compiler)', () => {
    const declared = ERROR_PARAM_NAMES as Record<string, readonly string[]>;
    const wrong: string[] = [];
    for (const [key, text] of [...english, ...dutch]) {
      const match = /^errors\.(\w+)\.detail(?:_(\w+))?$/.exec(key);
      if (!match) continue;
      const names = declared[match[1] ?? ''];
      if (!names) { wrong.push(`${key}: ${match[1]} has no entry in ERROR_PARAM_NAMES`); continue; }
      if (match[2] !== undefined && !names.includes('form')) wrong.push(`${key}: ${match[1]} sends no form`);
      for (const name of placeholders(text)) if (!names.includes(name)) wrong.push(`${key}: {{${name}}} is not among ${names.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('fills status warning templates only with the facts the warning carries (WARNING_PARAM_NAMES), one for every code with facts', () => {
    const declared = WARNING_PARAM_NAMES as Record<string, readonly string[]>;
    const wrong: string[] = [];
    for (const [key, text] of [...english, ...dutch]) {
      const match = /^warnings\.detail\.([A-Z_]+?)(?:_([a-z]\w*))?$/.exec(key);
      if (!key.startsWith('warnings.detail.')) continue;
      const names = match ? declared[match[1] ?? ''] : undefined;
      if (!names) { wrong.push(`${key}: no entry in WARNING_PARAM_NAMES`); continue; }
      if (match?.[2] !== undefined && !names.includes('form')) wrong.push(`${key}: sends no form`);
      for (const name of placeholders(text)) if (!names.includes(name)) wrong.push(`${key}: {{${name}}} is not among ${names.join(', ')}`);
    }
    for (const code of Object.keys(declared)) {
      if (![...english.keys()].some((key) => key.startsWith(`warnings.detail.${code}`))) wrong.push(`warnings.detail.${code}: no template`);
    }
    // The forms status.ts names literally.
    const source = readFileSync(new URL('../../tenant/domain/status.ts', import.meta.url), 'utf8');
    for (const form of source.matchAll(/warning\('(\w+)',[^;]*?\bform: '(\w+)'/gs)) {
      if (!english.has(`warnings.detail.${form[1]}_${form[2]}`)) wrong.push(`warnings.detail.${form[1]}_${form[2]}: no template`);
    }
    for (const kind of ['directory', 'password']) if (!english.has(`warnings.detail.LAST_CYCLE_FAILED_${kind}`)) wrong.push(`LAST_CYCLE_FAILED_${kind}`);
    expect(wrong).toEqual([]);
  });

  it('has a template for every code with params, and for every form a producer names', () => {
    const missing: string[] = [];
    for (const code of Object.keys(ERROR_PARAM_NAMES)) {
      if (![...english.keys()].some((key) => key.startsWith(`errors.${code}.detail`))) missing.push(`errors.${code}: no detail template`);
    }
    // The forms producers write literally (`new AppError('CODE', { … form: 'name' … })`), read from the source.
    for (const file of sourceFiles(new URL('../../', import.meta.url))) {
      const text = readFileSync(file, 'utf8');
      for (const statement of text.matchAll(/new AppError\('(\w+)',([^;]*?)\);/gs)) {
        for (const form of (statement[2] ?? '').matchAll(/\bform: '(\w+)'/g)) {
          const key = `errors.${statement[1]}.detail_${form[1]}`;
          if (!english.has(key) || !dutch.has(key)) missing.push(`${key} (${file.pathname.split('/src/')[1]})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a name, verdicts and an action in both languages for every troubleshooter check the tenant produces', () => {
    // The ids the domain code produces, read from it, so a new check without texts fails here.
    const source = readFileSync(new URL('../../tenant/domain/troubleshooter.ts', import.meta.url), 'utf8');
    const ids = [...new Set([...source.matchAll(/\bcheck\(\s*'(\w+)'/g)].map((m) => m[1] ?? ''))];
    expect(ids.length).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const id of ids) {
      for (const part of ['name', 'ok', 'problem', 'action']) {
        const key = `troubleshooter.checks.${id}.${part}`;
        if (!english.get(key)) missing.push(`${key} (en)`);
        if (!dutch.get(key)) missing.push(`${key} (nl)`);
      }
    }
    expect(missing).toEqual([]);
    // Every detailed template has the same placeholders in both languages (checked above for all keys).
  });

  it('has a warning title for every status warning code', () => {
    const codes = ['DIRECTORY_SYNC_STALE', 'DIRECTORY_SYNC_NEVER_RAN', 'PASSWORD_SYNC_STALE', 'PASSWORD_SYNC_NEVER_RAN', 'AGENT_SILENT', 'NO_AGENT', 'LAST_CYCLE_FAILED', 'DELETE_THRESHOLD_EXCEEDED', 'OBJECTS_IN_ERROR', 'TLS_VERIFICATION_DISABLED'];
    for (const code of codes) expect(english.has(`warnings.title.${code}`), code).toBe(true);
  });
});

function sourceFiles(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(new URL(`${entry.name}/`, dir));
    return /\.tsx?$/.test(entry.name) && !entry.name.includes('.test.') ? [new URL(entry.name, dir)] : [];
  });
}

describe('pickLanguage', () => {
  it.each([
    [null, ['nl-NL'], 'nl'],
    [null, ['nl-BE', 'en-US'], 'nl'],
    [null, ['en-GB'], 'en'],
    [null, ['fr-FR', 'nl'], 'nl'],
    [null, ['fr-FR'], 'en'],
    [null, [], 'en'],
    ['en', ['nl-NL'], 'en'],
    ['nl', ['en-US'], 'nl'],
    ['de', ['nl-NL'], 'nl'],
  ] as const)('stored %j with browser %j picks %s', (stored, browser, expected) => {
    expect(pickLanguage(stored, browser)).toBe(expected);
  });
});
