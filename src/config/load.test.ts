import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { isAppError } from '../shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dirbridge-config-'));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

describe('loadConfig', () => {
  it('gives defaults with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.tenant).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: './data', tenantId: 'default' });
    expect(config.agent.intervals.passwordMinutes).toBe(2);
  });

  it('layers file < environment < flags', () => {
    const path = file('a.yaml', 'tenant:\n  port: 9000\n  dataDir: /from-file\nagent:\n  intervals:\n    deltaMinutes: 5\n');
    const config = loadConfig({ file: path, env: { DIRBRIDGE_PORT: '9100' }, overrides: { tenant: { dataDir: '/from-flag' } } });
    expect(config.tenant.port).toBe(9100);
    expect(config.tenant.dataDir).toBe('/from-flag');
    expect(config.agent.intervals.deltaMinutes).toBe(5);
    expect(config.agent.intervals.passwordMinutes).toBe(2);
  });

  it.each([
    ['tenant:\n  port: "eighty"\n', 'tenant.port'],
    ['agent:\n  source:\n    type: ldap\n    url: http://x\n    bindDn: cn=a\n    bindPasswordFile: /p\n    baseDns: [dc=x]\n', 'agent.source.url'],
    ['agent:\n  source:\n    type: ldif\n', 'agent.source.path'],
    ['tenant: [1, 2]\n', 'tenant'],
  ])('names the bad key (%#)', (yaml, key) => {
    try {
      loadConfig({ file: file(`bad-${key}.yaml`, yaml), env: {} });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(key);
    }
  });

  it('names a bad environment variable', () => {
    expect(() => loadConfig({ env: { DIRBRIDGE_PORT: 'abc' } })).toThrow(/DIRBRIDGE_PORT/);
  });

  it('refuses a file that is not YAML', () => {
    expect(() => loadConfig({ file: file('broken.yaml', 'tenant: [\n'), env: {} })).toThrow(/not valid YAML/);
  });

  const problemsOf = (yaml: string, name: string): string[] => {
    try {
      loadConfig({ file: file(name, yaml), env: {} });
    } catch (error) {
      expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
      return ((error as { details?: { problems?: string[] } }).details?.problems) ?? [];
    }
    return expect.unreachable() as never;
  };
  const ldap = (extra: string) => `agent:\n  source:\n    type: ldap\n    url: ldap://127.0.0.1:389\n    bindDn: cn=sync,dc=example,dc=org\n    bindPasswordFile: /p\n${extra}`;

  it('refuses a misspelled key with its path and the key it was probably meant to be', () => {
    const problems = problemsOf(ldap('    baseDns: ["dc=example,dc=org"]\n    fliter: (!(employeeType=contractor))\n'), 'fliter.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^agent\.source\.fliter: unknown key \(did you mean agent\.source\.filter\?\)/);
  });

  it('refuses a misspelled source key, and unknown keys at the top and in nested sections', () => {
    expect(problemsOf('agent:\n  sourse:\n    type: ldif\n    path: /x.ldif\n', 'sourse.yaml')[0]).toMatch(/^agent\.sourse: unknown key \(did you mean agent\.source\?\)/);
    expect(problemsOf('tenat:\n  port: 1\n', 'tenat.yaml')[0]).toMatch(/^tenat: unknown key \(did you mean tenant\?\)/);
    expect(problemsOf('agent:\n  intervals:\n    deltaMinute: 5\n', 'delta.yaml')[0]).toMatch(/did you mean agent\.intervals\.deltaMinutes\?/);
    expect(problemsOf('agent:\n  source:\n    type: ldif\n    path: /x.ldif\n    setleMs: 5\n', 'ldif.yaml')[0]).toMatch(/^agent\.source\.setleMs: unknown key \(did you mean agent\.source\.settleMs\?\)/);
    // Nothing close: no guess, the known keys are listed.
    expect(problemsOf('tenant:\n  colour: blue\n', 'colour.yaml')[0]).toMatch(/^tenant\.colour: unknown key; known keys here: port, host/);
  });

  it('refuses a YAML flow list of DNs split at its commas, saying how to write it', () => {
    const problems = problemsOf(ldap('    baseDns: [ou=People,dc=example,dc=org, ou=Staff,dc=example,dc=org]\n'), 'flow.yaml');
    expect(problems[0]).toMatch(/^agent\.source\.baseDns\[1\]: "dc=example" looks like the end of a DN split at its commas/);
    expect(problems[0]).toContain('Quote each DN (["ou=People,dc=example,dc=org","ou=Staff,dc=example,dc=org"])');
    expect(problems[0]).toMatch(/block list/);
    const excluded = problemsOf(ldap('    baseDns: ["dc=example,dc=org"]\n    excludeDns: [ou=Contractors,dc=example,dc=org]\n'), 'flow-exclude.yaml');
    expect(excluded[0]).toMatch(/^agent\.source\.excludeDns\[1\]: "dc=example"/);
  });

  it('accepts quoted DNs in a flow list and a block list', () => {
    const quoted = loadConfig({ file: file('quoted.yaml', ldap('    baseDns: ["ou=People,dc=example,dc=org", "ou=Staff,dc=example,dc=org"]\n')), env: {} });
    const block = loadConfig({ file: file('block.yaml', ldap('    baseDns:\n      - ou=People,dc=example,dc=org\n      - ou=Staff,dc=example,dc=org\n    excludeDns:\n      - "cn=Smith\\\\, John,ou=People,dc=example,dc=org"\n')), env: {} });
    for (const config of [quoted, block]) {
      expect(config.agent.source).toMatchObject({ baseDns: ['ou=People,dc=example,dc=org', 'ou=Staff,dc=example,dc=org'] });
    }
    expect(block.agent.source).toMatchObject({ excludeDns: ['cn=Smith\\, John,ou=People,dc=example,dc=org'] });
  });

  it.each([
    ['ou=People,,dc=example', /empty RDN/],
    ['ou=People,dc=example,', /ends with a comma/],
    ['People', /RDN of type=value/],
    ['ou=People,dc=', /no value after "dc="/],
    ['o u=People', /attribute type/],
  ])('refuses %s as a DN', (bad, why) => {
    const problems = problemsOf(ldap(`    baseDns: ["${bad}"]\n`), `dn-${bad.replace(/\W/g, '_')}.yaml`);
    expect(problems[0]).toMatch(/^agent\.source\.baseDns\[0\]: /);
    expect(problems[0]).toMatch(why);
  });

  it('checks memberOfGroup as a DN too', () => {
    expect(problemsOf(ldap('    baseDns: ["dc=example,dc=org"]\n    memberOfGroup: staff\n'), 'member.yaml')[0]).toMatch(/^agent\.source\.memberOfGroup: "staff" is not a DN/);
  });

  it('replaces a file source of another type given by flags, rather than mixing the two', () => {
    const path = file('ldap-src.yaml', ldap('    baseDns: ["dc=example,dc=org"]\n'));
    const config = loadConfig({ file: path, env: {}, overrides: { agent: { source: { type: 'ldif', path: '/dir.ldif' } } } });
    expect(config.agent.source).toEqual({ type: 'ldif', path: '/dir.ldif', settleMs: 500 });
  });
});
