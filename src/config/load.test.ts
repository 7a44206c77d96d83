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
});
