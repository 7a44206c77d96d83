/**
 * Finding 10: the LDIF source on real files. A file still being written is read only once it is
 * whole; a file that cannot be read whole fails the read (so the cycle changes nothing).
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isAppError } from '../../shared/errors.js';
import type { DirectorySource } from '../../sync/ports.js';
import { createLdifSource } from './ldif-source.js';

const entry = (i: number): string => `dn: uid=u${i},ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: u${i}\ncn: User ${i}\nsn: ${i}\n\n`;

async function readAll(source: DirectorySource): Promise<string[]> {
  const dns: string[] = [];
  for await (const page of source.readAll('objects')) dns.push(...page.map((e) => e.dn));
  return dns;
}

async function failure(read: Promise<unknown>): Promise<string> {
  try {
    await read;
  } catch (error) {
    return isAppError(error) ? error.code : String(error);
  }
  return 'no error';
}

const past = (path: string): void => utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

describe('LDIF source: whole files only', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-ldif-'));
    file = join(dir, 'directory.ldif');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('waits for a file being written to stop changing, then reads all of it', async () => {
    writeFileSync(file, entry(0));
    // A writer appending for ~600 ms, in chunks that end mid-record.
    let written = 1;
    const writer = setInterval(() => {
      if (written >= 12) return clearInterval(writer);
      const text = entry(written++);
      appendFileSync(file, text.slice(0, 20));
      setTimeout(() => appendFileSync(file, text.slice(20)), 10);
    }, 50);
    // The settle time is 20 times the writer's pauses: a loaded machine that delays a write does not
    // make the half-written file look finished.
    const dns = await readAll(createLdifSource(file, { settleMs: 1_000 }));
    clearInterval(writer);
    expect(dns).toHaveLength(12);
  });

  it('uses a finished file moved into place with a rename at once', async () => {
    const temp = join(dir, 'directory.ldif.tmp');
    writeFileSync(temp, entry(1) + entry(2));
    past(temp);
    renameSync(temp, file);
    // A settle time far above any read: waiting for it at all would show, however loaded the machine.
    const settleMs = 30_000;
    const started = Date.now();
    expect(await readAll(createLdifSource(file, { settleMs }))).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(settleMs / 2);
  }, 60_000);

  it('gives up on a file that never stops changing with LDIF_FILE_UNSTABLE', async () => {
    writeFileSync(file, entry(0));
    let n = 1;
    const writer = setInterval(() => appendFileSync(file, entry(n++)), 30);
    try {
      // A write every 30 ms against a settle time of 1 s: never quiet long enough, however loaded the machine.
      expect(await failure(readAll(createLdifSource(file, { settleMs: 1_000, maxWaitMs: 2_500 })))).toBe('LDIF_FILE_UNSTABLE');
    } finally {
      clearInterval(writer);
    }
  });

  it('refuses a file with a record that has no readable DN (LDIF_FILE_INVALID), for the read and the anchor list alike', async () => {
    writeFileSync(file, `${entry(1)}this record was cut: no dn line\ncn: x\n\n${entry(2)}`);
    past(file);
    const source = createLdifSource(file, { settleMs: 0 });
    expect(await failure(readAll(source))).toBe('LDIF_FILE_INVALID');
    expect(
      await failure(
        (async () => {
          for await (const page of source.listAnchors()) void page;
        })(),
      ),
    ).toBe('LDIF_FILE_INVALID');
  });

  it('keeps a record whose DN is readable as that object\'s error (the rest of the file is used)', async () => {
    writeFileSync(file, `${entry(1)}dn: uid=bad,ou=people,dc=example,dc=org\nno colon on this line\n\n${entry(2)}`);
    past(file);
    const source = createLdifSource(file, { settleMs: 0 });
    expect(await readAll(source)).toHaveLength(2);
    expect(source.readProblems?.()).toMatchObject([{ code: 'LDIF_SYNTAX', anchor: 'uid=bad,ou=people,dc=example,dc=org' }]);
  });

  it('refuses a file that is not UTF-8 (LDIF_FILE_UNREADABLE) instead of reading replacement characters', async () => {
    writeFileSync(file, Buffer.concat([Buffer.from(entry(1)), Buffer.from([0xff, 0xfe, 0x0a])]));
    past(file);
    expect(await failure(readAll(createLdifSource(file, { settleMs: 0 })))).toBe('LDIF_FILE_UNREADABLE');
  });
});
