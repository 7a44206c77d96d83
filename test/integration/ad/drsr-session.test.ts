/**
 * The replication client against a real Samba AD DC: the NT hashes it returns equal MD4 of the
 * passwords (computed independently with hash-wasm), paging by object count keeps the watermark,
 * and each failure an admin can cause is a coded error that says what to do.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { md4 } from 'hash-wasm';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSambaDc, NETBIOS_DOMAIN, type SambaDc, type SyncAccount } from '../../support/samba-dc.js';
import { DrsrSession, type Watermark } from '../../../src/directory/ldap/ad/replication/drsr-session.js';
import { DrsrPasswordSource } from '../../../src/directory/ldap/ad/replication/drsr-password-source.js';
import { ATTRIBUTE_OIDS, ridOf, type GetNCChangesReply } from '../../../src/directory/ldap/ad/replication/drsuapi.js';
import { ntHash } from '../../../src/directory/ldap/ad/replication/ntlm.js';
import { ntHashFromUnicodePwd } from '../../../src/directory/ldap/ad/replication/secrets.js';
import { isAppError } from '../../../src/shared/errors.js';

let dc: SambaDc;
let account: SyncAccount;
const users = Array.from({ length: 12 }, (_, i) => ({ name: `oracle${i}`, password: `Oracle-${i}-Pass!` }));

beforeAll(async () => {
  dc = await startSambaDc();
  dc.createUsers(users);
  account = dc.createSyncAccount('drsr-client');
  await dc.grantReplicationRights(account.dn, { all: true });
}, 120_000);

afterAll(async () => {
  await dc?.stop();
});

const open = async (overrides: Partial<Parameters<typeof DrsrSession.open>[0]> = {}) =>
  DrsrSession.open({ host: dc.address, user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password), replyTimeoutMs: 10_000, ...overrides });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('DRSR replication client', () => {
  it('replicates the whole domain page by page; each NT hash equals MD4 of the password', async () => {
    const session = await open();
    const hashes = new Map<string, string>();
    let from: Watermark | null = null;
    let pages = 0;
    try {
      for (;;) {
        const reply = await session.getChanges(dc.baseDn, from, ['unicodePwd', 'pwdLastSet', 'userAccountControl'], 5);
        pages++;
        for (const object of reply.objects) {
          const value = object.attributes.get(ATTRIBUTE_OIDS.unicodePwd)?.[0];
          const rid = ridOf(object.name.sid);
          if (value && rid !== null) hashes.set(/^CN=([^,]+)/.exec(object.name.dn)![1]!, ntHashFromUnicodePwd(session.sessionKey, value, rid).toString('hex'));
        }
        from = { invocationId: reply.invocationId.toString('hex'), ...reply.usnvecTo };
        if (!reply.moreData) break;
      }
    } finally {
      await session.close();
    }
    expect(pages).toBeGreaterThan(2);
    for (const user of users) expect(hashes.get(user.name)).toBe(await md4(Buffer.from(user.password, 'utf16le')));
    expect(from!.highObjUpdate).toBe(await dc.highestCommittedUsn());
  });

  it('continues a cycle through pages of linked values only, where Samba bumps usnReserved', async () => {
    // 16 groups of the same 200 members: 3,200 member links, sent after the objects at most 1,500 a
    // page (Samba's "drs:max link sync"), so some pages carry links only, with more to come. On
    // those Samba keeps usnHighObjUpdate and raises usnReserved; a follow-up without it made Samba
    // start the cycle over from the first object, forever (10,000 users in 200 groups never finished).
    const members = dc.createUsers(Array.from({ length: 200 }, (_, i) => ({ name: `linked${i}`, userPrincipalName: null })));
    dc.createGroups(Array.from({ length: 16 }, (_, g) => ({ name: `linked-group-${g}`, members })));
    const session = await open();
    const replies: GetNCChangesReply[] = [];
    try {
      for await (const { reply } of session.replicate(dc.baseDn, null, ['unicodePwd'], 1000)) replies.push(reply);
    } finally {
      await session.close();
    }
    // The case is there: a page of links only, with more data after it, and a raised usnReserved.
    expect(replies.some((r) => r.moreData && r.objects.length === 0 && r.linkCount > 0 && r.usnvecTo.reserved > 0n)).toBe(true);
    // Samba echoes each request's high-water mark as the reply's usnvecFrom: every follow-up sent the
    // previous reply's usnvecTo whole, so Samba never restarted the cycle.
    for (let i = 1; i < replies.length; i++) expect(replies[i]!.usnvecFrom).toEqual(replies[i - 1]!.usnvecTo);
    expect(replies.reduce((n, r) => n + r.linkCount, 0)).toBeGreaterThanOrEqual(16 * 200);
    expect(replies.at(-1)!.usnvecTo.highObjUpdate).toBe(await dc.highestCommittedUsn());

    // The agent's password source over the same DC: the cycle completes and the hashes are right.
    const source = new DrsrPasswordSource({ host: dc.address, user: account.name, domain: NETBIOS_DOMAIN, ntHash: await ntHash(account.password), namingContext: dc.baseDn });
    const changes = (await source.readChanges(null, 'passwords'))!;
    const hashes = new Map<string, string>();
    for await (const entries of changes.changed) for (const e of entries) hashes.set(/^CN=([^,]+)/.exec(e.dn)![1]!, e.attributes['unicodepwd']![0]!);
    for (const user of users) expect(hashes.get(user.name)).toBe(await md4(Buffer.from(user.password, 'utf16le')));
    expect(JSON.parse(changes.nextCursor)).toMatchObject({ obj: String(await dc.highestCommittedUsn()), res: '0' });
  });

  it('answers a wrong password with DRSR_AUTH_FAILED', async () => {
    expect(await codeOf(open({ ntHash: await ntHash('not-the-password') }))).toBe('DRSR_AUTH_FAILED');
  });

  it('answers an account without replication rights with DRSR_RIGHTS_MISSING', async () => {
    const plain = dc.createSyncAccount('drsr-plain');
    const half = dc.createSyncAccount('drsr-half');
    await dc.grantReplicationRights(half.dn); // "Replicating Directory Changes" only: not enough for secrets
    for (const who of [plain, half]) {
      const session = await open({ user: who.name, ntHash: await ntHash(who.password) });
      try {
        expect(await codeOf(session.getChanges(dc.baseDn, null, ['unicodePwd'], 10))).toBe('DRSR_RIGHTS_MISSING');
      } finally {
        await session.close();
      }
    }
  });

  it('answers an unreachable endpoint mapper or RPC port with DRSR_UNREACHABLE, within its timeout', async () => {
    const closed = await freePort();
    // Reply timeouts far above the bound below for the closed ports (a refused connection must not
    // wait for one), and a short one for the silent port: the bound is generous for a loaded machine
    // and still fails by far when a refusal waits for a reply timeout.
    const started = Date.now();
    expect(await codeOf(open({ epmPort: closed, replyTimeoutMs: 120_000 }))).toBe('DRSR_UNREACHABLE');
    expect(await codeOf(open({ rpcPort: closed, replyTimeoutMs: 120_000 }))).toBe('DRSR_UNREACHABLE');
    // A port that accepts and never answers: the reply timeout ends the wait.
    const silent = createServer(() => undefined).listen(0, dc.address);
    await new Promise((r) => silent.once('listening', r));
    const port = (silent.address() as { port: number }).port;
    expect(await codeOf(open({ epmPort: port, replyTimeoutMs: 500 }))).toBe('DRSR_UNREACHABLE');
    silent.close();
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 180_000);

  it('answers a DC that refuses NTLM with DRSR_NTLM_DISABLED', async () => {
    const conf = readFileSync(dc.confFile, 'utf8');
    writeFileSync(dc.confFile, conf.replace('[global]', '[global]\n\tntlm auth = disabled'));
    await dc.halt();
    await dc.resume();
    try {
      // Samba answers "NTLM disabled" as it answers a wrong password: the client tells them apart by an LDAP bind.
      expect(await codeOf(open())).toBe('DRSR_AUTH_FAILED');
      expect(await codeOf(open({ passwordCheck: () => ldapBindWorks(account.dn, account.password) }))).toBe('DRSR_NTLM_DISABLED');
      expect(await codeOf(open({ ntHash: await ntHash('wrong'), passwordCheck: () => ldapBindWorks(account.dn, 'wrong') }))).toBe('DRSR_AUTH_FAILED');
    } finally {
      writeFileSync(dc.confFile, conf);
      await dc.halt();
      await dc.resume();
    }
  });
});

async function ldapBindWorks(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: readFileSync(dc.caFile) }, connectTimeout: 3000, timeout: 5000 });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
