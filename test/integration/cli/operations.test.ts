/**
 * Issue 15, "CLI for operations": on a real all-in-one that synced the sample directory (which has
 * bad entries on purpose), `status` exits WARNING (1), `sync-errors list` lists them, and no text
 * output shows a raw ISO timestamp (--json keeps ISO).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, repoRoot, startAllInOne, type RunningAllInOne } from '../../support/all-in-one.js';
import type { Page, SyncErrorView } from '../../../src/tenant/api/contract.js';

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

describe('CLI for operations', { timeout: 300_000 }, () => {
  let app: RunningAllInOne;

  beforeAll(async () => {
    const ldif = join(mkdtempSync(join(tmpdir(), 'dirbridge-ops-')), 'directory.ldif');
    copyFileSync(join(repoRoot, 'sample', 'directory.ldif'), ldif);
    app = await startAllInOne({ config: { agent: { source: { type: 'ldif', path: ldif } } } });
    await eventually(async () => {
      const listed = await app.cli(['sync-errors', 'list', '--json']);
      const page = JSON.parse(listed.stdout) as Page<SyncErrorView>;
      return page.items.some((e) => e.code === 'LDIF_SYNTAX') ? page : undefined;
    }, 120_000, 'the sync errors of the sample');
  }, 240_000);
  afterAll(async () => { await app?.stop(); });

  it('status exits 1 (WARNING) with objects in error, documents its exit codes, and shows local times', async () => {
    const status = await eventually(async () => {
      const s = await app.cli(['status']);
      return s.stdout.includes('Last password sync') && !/Last password sync:\s+never/.test(s.stdout) ? s : undefined;
    }, 60_000, 'a password sync');
    expect(status.stdout).toContain('OBJECTS_IN_ERROR');
    expect(status.code, status.stdout).toBe(1);
    expect(status.stdout).not.toMatch(ISO);
    expect(status.stdout).toMatch(/Last directory sync:\s+\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d \(/);
    const json = await app.cli(['status', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).lastDirectorySync).toMatch(ISO);
    const help = await app.cli(['status', '--help']);
    expect(help.stdout).toMatch(/Exit codes[\s\S]*0\s+OK[\s\S]*1\s+WARNING[\s\S]*2\s+CRITICAL[\s\S]*3\s+UNKNOWN/);
  });

  it('sync-errors list: a table of object, code, message, since; --json the API page', async () => {
    const text = await app.cli(['sync-errors', 'list']);
    expect(text.code, text.stderr).toBe(0);
    const [header, ...rows] = text.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^Object\s+Code\s+Message\s+Since$/);
    expect(rows.some((r) => /LDIF_SYNTAX/.test(r) && /[Ll]ine \d+/.test(r))).toBe(true);
    expect(rows.some((r) => /^uid=harry\.williams,\S*\s+PASSWORD_CLEARTEXT/.test(r))).toBe(true);
    expect(text.stdout).not.toMatch(ISO);
    const json = JSON.parse((await app.cli(['sync-errors', 'list', '--json', '--code', 'LDIF_SYNTAX'])).stdout) as Page<SyncErrorView>;
    expect(json.items.length).toBeGreaterThan(0);
    expect(json.items.every((e) => e.code === 'LDIF_SYNTAX' && ISO.test(e.firstSeen))).toBe(true);
  });

  it('no raw ISO time in the text of the listing commands', async () => {
    for (const args of [['agents', 'list'], ['admin', 'list'], ['token', 'list'], ['troubleshoot']]) {
      const result = await app.cli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout, args.join(' ')).not.toMatch(ISO);
    }
  });

  it('agents list shows the state the admin center shows, and status is CRITICAL (2) once the only agent is offline', async () => {
    const running = await app.cli(['agents', 'list']);
    expect(running.stdout).toMatch(/^\S+\s+\S+\s+\S+\s+\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d\s+active$/m);
    // A graceful stop signs the agent off: offline at once, not "standby" until the lease runs out.
    await app.stop({ keepData: true });
    const stopped = await app.cli(['agents', 'list']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/\d\d:\d\d:\d\d\s+offline$/m);
    expect(stopped.stdout).not.toMatch(/\b(active|standby)\b/);
    expect(((JSON.parse((await app.cli(['agents', 'list', '--json'])).stdout)) as Array<{ state: string }>).map((a) => a.state)).toEqual(['offline']);
    const status = await app.cli(['status']);
    expect(status.stdout).toContain('AGENT_SILENT');
    expect(status.stdout).toMatch(/\(version \S+, offline\)/);
    expect(status.code, status.stdout).toBe(2);
  });
});
