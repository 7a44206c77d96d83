/**
 * Issue 15, harms 5–7 and "errors that explain": a start-up that cannot work says why and what to
 * do, with a code and a non-zero exit, before it creates anything; read-only commands never
 * create a store; the generated initial admin password survives a failed first start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cleanEnv, cli, requireBuilt, spawnCli } from './harness.js';

const CODE = /^Error ([A-Z_]+): /m;

describe('start-up errors that explain, checked before anything is created', { timeout: 300_000 }, () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    requireBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-startup-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('port in use: PORT_IN_USE naming the address and port and what to do; nothing created', async () => {
    const dataDir = join(dir, 'port');
    for (const command of ['start', 'serve']) {
      const result = await cli([command, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(busyPort)]);
      expect(result.code).not.toBe(0);
      expect(CODE.exec(result.stderr)?.[1], result.stderr).toBe('PORT_IN_USE');
      expect(result.stderr).toContain(`Port ${busyPort} on 127.0.0.1`);
      expect(result.stderr).toMatch(/What to do: .*--port/);
      expect(result.stderr).not.toContain('INTERNAL_ERROR');
      expect(existsSync(dataDir)).toBe(false);
    }
  });

  it('a data folder that cannot be created: DATA_DIR_UNWRITABLE naming it; nothing created', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await cli(['serve', '--data-dir', join(file, 'data'), '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(CODE.exec(result.stderr)?.[1], result.stderr).toBe('DATA_DIR_UNWRITABLE');
    expect(result.stderr).toContain(join(file, 'data'));
    expect(result.stderr).toContain('is a file, not a folder');
    expect(result.stderr).toMatch(/What to do: .*--data-dir/);
  });

  it('missing files (bind password, TLS, LDIF): FILE_UNREADABLE naming the setting, flag and path; nothing created', async () => {
    const dataDir = join(dir, 'files');
    const missing = join(dir, 'no-such-file');
    const cases: Array<[string[], string]> = [
      [['start', '--source-url', 'ldap://127.0.0.1:3899', '--bind-dn', 'cn=sync,dc=example,dc=org', '--base-dn', 'dc=example,dc=org', '--bind-password-file', missing], '--bind-password-file'],
      [['serve', '--tls-cert', missing, '--tls-key', missing], '--tls-cert'],
      [['start', '--source-ldif', missing], '--source-ldif'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli([...args, '--data-dir', dataDir, '--port', '0'])));
    results.forEach((result, i) => {
      expect(result.code).not.toBe(0);
      expect(CODE.exec(result.stderr)?.[1], result.stderr).toBe('FILE_UNREADABLE');
      expect(result.stderr).toContain(cases[i]![1]);
      expect(result.stderr).toContain(`${missing} does not exist`);
      expect(result.stderr).toMatch(/What to do: \S/);
    });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('bad flag and config values (--port abc, a negative interval): CONFIG_INVALID naming them; nothing created', async () => {
    const dataDir = join(dir, 'flags');
    const port = await cli(['start', '--data-dir', dataDir, '--port', 'abc']);
    expect(port.code).not.toBe(0);
    expect(CODE.exec(port.stderr)?.[1], port.stderr).toBe('CONFIG_INVALID');
    expect(port.stderr).toContain('--port must be a number from 0 to 65535, not "abc"');
    const config = join(dir, 'negative.yaml');
    writeFileSync(config, 'agent:\n  intervals:\n    deltaMinutes: -5\n');
    const interval = await cli(['start', '--data-dir', dataDir, '--port', '0', '--config', config]);
    expect(interval.code).not.toBe(0);
    expect(CODE.exec(interval.stderr)?.[1], interval.stderr).toBe('CONFIG_INVALID');
    expect(interval.stderr).toContain('deltaMinutes');
    expect(existsSync(dataDir)).toBe(false);
  }, 180_000);
});

describe('read-only commands never create a store', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(() => {
    requireBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-nostore-'));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const commands = [['status'], ['troubleshoot'], ['users', 'list'], ['admin', 'list'], ['agents', 'list'], ['token', 'list'], ['sync-errors', 'list'], ['admin', 'reset-password', 'admin']];

  it('with --data-dir typo: STORE_NOT_FOUND naming the folder, nothing created', async () => {
    const typo = join(dir, 'dat');
    const results = await Promise.all(commands.map((args) => cli([...args, '--data-dir', typo])));
    results.forEach((result, i) => {
      expect(result.code, commands[i]!.join(' ')).not.toBe(0);
      expect(CODE.exec(result.stderr)?.[1], `${commands[i]!.join(' ')}: ${result.stderr}`).toBe('STORE_NOT_FOUND');
      expect(result.stderr).toContain(typo);
    });
    // status: UNKNOWN by the monitoring convention.
    expect(results[0]!.code).toBe(3);
    expect(existsSync(typo)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  }, 300_000);

  it('with a PostgreSQL database without dirbridge tables: STORE_NOT_FOUND, no table created', async () => {
    const name = `dirbridge_cli_empty_${process.pid}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    try {
      const url = `postgres://postgres@127.0.0.1:5432/${name}`;
      const results = await Promise.all([['status'], ['users', 'list'], ['sync-errors', 'list']].map((args) => cli([...args, '--database-url', url, '--data-dir', join(dir, 'pg')])));
      for (const result of results) {
        expect(CODE.exec(result.stderr)?.[1], result.stderr).toBe('STORE_NOT_FOUND');
        expect(result.stderr).toContain(name);
      }
      const empty = new pg.Client({ connectionString: url });
      await empty.connect();
      const tables = await empty.query("select count(*)::int as n from information_schema.tables where table_schema = 'public'");
      await empty.end();
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 180_000);
});

describe('the initial admin password is never lost', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(() => {
    requireBuilt();
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-initial-'));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('a first start failing after the store was made leaves the password in an owner-only file; reset-password works through the CLI', async () => {
    const dataDir = join(dir, 'data');
    // Readable files that are no certificate: found only when the HTTPS listener is made, after the store and the admin.
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'this is not a PEM file\n');
    const failed = await cli(['serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--tls-cert', junk, '--tls-key', junk]);
    expect(failed.code).not.toBe(0);
    const file = join(dataDir, 'initial-admin-password');
    expect(failed.stderr).toContain(`The initial global admin "admin" was created before the failure. Its password is in ${file}`);
    expect(failed.stderr).toContain('dirbridge admin reset-password admin');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8').trim();
    expect(saved.length).toBeGreaterThanOrEqual(12);
    expect(failed.stdout + failed.stderr).not.toContain(saved);

    const serve = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1'], cleanEnv());
    try {
      const url = (await serve.waitFor(/Admin center: (http:\/\/\S+?)\/?\s/))[1]!;
      const signIn = (password: string) => fetch(`${url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      expect((await signIn(saved)).status).toBe(200);

      const reset = await cli(['admin', 'reset-password', 'admin', '--data-dir', dataDir]);
      expect(reset.code, reset.stderr).toBe(0);
      const fresh = /: (\S{12,})$/m.exec(reset.stdout)![1]!;
      expect((await signIn(saved)).status).toBe(401);
      expect((await signIn(fresh)).status).toBe(200);

      // A tenant that has never synced: CRITICAL (2) for monitoring, and no ISO time in the text.
      const status = await cli(['status', '--data-dir', dataDir]);
      expect(status.code, status.stdout + status.stderr).toBe(2);
      expect(status.stdout).toContain('DIRECTORY_SYNC_NEVER_RAN');
    } finally {
      await serve.stop();
    }
  }, 300_000);
});
