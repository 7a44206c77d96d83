/**
 * Issue 11, finding 10: the SQLite store (verifiers, session hashes, OIDC signing keys) and the
 * agent state were world-readable. They are created owner-only whatever the umask, and files of
 * an older version are tightened on the next start.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalState } from '../../../src/agent/local-state.js';
import { openStore } from '../../../src/tenant/store/open-store.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('owner-only files', () => {
  const dirs: string[] = [];
  const previousUmask = process.umask(0o022);
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  process.on('exit', () => process.umask(previousUmask));

  it('creates the SQLite store folder 0700 and its database, WAL and SHM files 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dirbridge-modes-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    const store = await openStore({ dataDir });
    try {
      await store.migrate();
      await store.ensureTenant('t1', 't1');
    } finally {
      await store.close();
    }
    expect(mode(dataDir)).toBe(0o700);
    for (const file of ['dirbridge.sqlite', 'dirbridge.sqlite-wal', 'dirbridge.sqlite-shm']) {
      if (existsSync(join(dataDir, file))) expect(mode(join(dataDir, file)), file).toBe(0o600);
    }
    expect(mode(join(dataDir, 'dirbridge.sqlite'))).toBe(0o600);
  });

  it('tightens a world-readable store of an older version, and creates the agent state owner-only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dirbridge-modes-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    const first = await openStore({ dataDir });
    await first.migrate();
    await first.close();
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'dirbridge.sqlite'), 0o644);
    const again = await openStore({ dataDir });
    await again.close();
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'dirbridge.sqlite'))).toBe(0o600);

    const stateDir = join(root, 'agent');
    const state = new LocalState(join(stateDir, 'state.sqlite'));
    state.fingerprintKey();
    state.close();
    expect(mode(stateDir)).toBe(0o700);
    expect(mode(join(stateDir, 'state.sqlite'))).toBe(0o600);
  });
});
