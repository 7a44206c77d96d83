import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../../src/shared/errors.js';
import { openStore, SQLITE_FILE_NAME } from '../../../src/tenant/store/open-store.js';
import { existsSync } from 'node:fs';

describe('openStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dirbridge-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens SQLite in WAL mode in a data folder it creates, when no PostgreSQL URL is given', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await openStore({ dataDir, databaseUrl: 'file-or-empty-means-sqlite' });
    try {
      expect(store.dialect).toBe('sqlite');
      await store.migrate();
      expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).toBe(true);
      expect(existsSync(join(dataDir, `${SQLITE_FILE_NAME}-wal`))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('says DATA_DIR_UNWRITABLE when the data folder cannot be created', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const error = await openStore({ dataDir: join(file, 'data') }).catch((e: unknown) => e);
    expect(isAppError(error, 'DATA_DIR_UNWRITABLE')).toBe(true);
    expect((error as AppError).message).toContain(join(file, 'data'));
  });

  it('says STORE_UNAVAILABLE with the cause, never the password, when PostgreSQL cannot be reached', async () => {
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    const error = await openStore({ dataDir: dir, databaseUrl: 'postgresql://dirbridge:s3cret-pw@127.0.0.1:1/dirbridge' }).catch((e: unknown) => e);
    expect(isAppError(error, 'STORE_UNAVAILABLE')).toBe(true);
    const appError = error as AppError;
    expect(appError.message).toContain('127.0.0.1:1');
    expect(appError.message).toMatch(/ECONNREFUSED/);
    expect(appError.message).not.toContain('s3cret-pw');
    expect(JSON.stringify(appError.details)).not.toContain('s3cret-pw');
    expect(appError.cause).toBeDefined();
    expect(appError.toJSON().code).toBe('INTERNAL_ERROR');
  });
});
