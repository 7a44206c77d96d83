/** The Samba AD DC harness itself: its own address, its bulk writes, its rights helper, stop and remove. */
import { existsSync, readFileSync } from 'node:fs';

import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSambaDc, type SambaDc } from '../../support/samba-dc.js';

let dc: SambaDc;

beforeAll(async () => {
  dc = await startSambaDc();
});

afterAll(async () => {
  await dc?.stop();
});

async function bind(url: string, dn: string, password: string): Promise<Client> {
  const client = new Client({ url, tlsOptions: { ca: readFileSync(dc.caFile) }, connectTimeout: 3000, timeout: 10_000 });
  await client.bind(dn, password);
  return client;
}

describe('Samba AD DC harness', () => {
  it('runs on its own loopback address, never 127.0.0.1', () => {
    expect(dc.address).toMatch(/^127\.77\.\d+\.\d+$/);
  });

  it('creates users in bulk and a least-privilege account that binds over LDAPS as UPN', async () => {
    const started = Date.now();
    const dns = dc.createUsers(Array.from({ length: 200 }, (_, i) => ({ name: `bulk${i}`, givenName: 'Bulk', sn: String(i) })));
    const elapsed = Date.now() - started;
    expect(dns).toHaveLength(200);
    const account = dc.createSyncAccount('harness-sync');
    const client = await bind(dc.ldapsUrl, account.userPrincipalName, account.password);
    try {
      const { searchEntries } = await client.search(dc.usersDn, { filter: '(sAMAccountName=bulk*)', attributes: ['cn'], sizeLimit: 0, paged: { pageSize: 500 } });
      expect(searchEntries).toHaveLength(200);
    } finally {
      await client.unbind();
    }
    // A figure, not a bound: CI runs test files in parallel on a small shared machine.
    console.log(`200 users created in bulk in ${elapsed} ms`);
  });

  it('grants replication rights that show in the domain root security descriptor', async () => {
    const account = dc.createSyncAccount('harness-repl');
    await dc.grantReplicationRights(account.dn, { all: true });
    const sddl = dc.sambaTool(['dsacl', 'get', `--objectdn=${dc.baseDn}`]);
    expect(sddl).toMatch(/OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;S-1-5-21-[\d-]+\)/i);
    expect(sddl).toMatch(/OA;;CR;1131f6ad-9c07-11d1-f79f-00c04fc2dcd2;;S-1-5-21-[\d-]+\)/i);
  });

  it('applies single changes over LDAPS and moves the USN', async () => {
    const [dn = ''] = dc.createUsers([{ name: 'single', password: 'Single-Pass-1!' }]);
    const before = await dc.highestCommittedUsn();
    await dc.disable(dn);
    expect(await dc.highestCommittedUsn()).toBeGreaterThan(before);
    await expect(bind(dc.ldapsUrl, dn, 'Single-Pass-1!')).rejects.toThrow();
  });

  it('halts and resumes with its data', async () => {
    await dc.halt();
    await expect(bind(dc.ldapsUrl, dc.adminDn, dc.adminPassword)).rejects.toThrow();
    await dc.resume();
    const client = await bind(dc.ldapsUrl, dc.adminDn, dc.adminPassword);
    await client.unbind();
    expect(existsSync(dc.dir)).toBe(true);
  });
});
