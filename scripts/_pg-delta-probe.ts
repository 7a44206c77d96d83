// Temporary probe (removed after use): where does the time of a PostgreSQL delta go?
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../src/tenant/store/open-store.js';
import { newId, sha256Hex } from '../src/shared/ids.js';
import type { ObjectChange, SyncedUser } from '../src/sync/model.js';

const base = 'postgres://postgres@127.0.0.1:5432/test';
const name = `dirbridge_bench_probe_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: base }); await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(base); url.pathname = `/${name}`;
const store = await openStore({ databaseUrl: url.toString(), dataDir: '/tmp/pgexp' });
try {
  await store.migrate(); await store.ensureTenant('default', 'd');
  const r = store.forTenant('default');
  const th = sha256Hex('x' + Math.random()); const agentId = newId();
  await r.createRegistrationToken({ id: newId(), tokenHash: th, createdBy: 'p', expiresAt: new Date(Date.now() + 1e6), usedAt: null });
  await r.redeemRegistrationToken(th, new Date(), { id: agentId, host: 'p', version: 'p', credentialHash: th, createdAt: new Date() });
  const N = Number(process.argv[2] ?? 100000);
  const user = (i: number, dn = `Name ${i}`): SyncedUser => ({ kind: 'user', anchor: `a${String(i).padStart(8, '0')}`, dn: `uid=u${i},ou=p,dc=x`, userPrincipalName: `u${i}@x.test`, displayName: dn, givenName: 'G', surname: 'S', mail: `u${i}@x.test`, otherMails: [], enabled: true });
  let t = performance.now();
  for (let f = 0; f < N; f += 1000) {
    const ch: ObjectChange[] = []; for (let i = f; i < f + 1000; i++) ch.push({ op: 'upsert', object: user(i) });
    await r.applyObjectBatch(newId(), agentId, ch, new Date());
  }
  const gs: ObjectChange[] = [];
  for (let g = 0; g < N / 50; g++) gs.push({ op: 'upsert', object: { kind: 'group', anchor: `g${String(g).padStart(6, '0')}`, dn: `cn=g${g},ou=g,dc=x`, name: `team-${g}`, description: null, mail: null, memberAnchors: Array.from({ length: 50 }, (_, k) => user(g * 50 + k).anchor) } });
  for (let f = 0; f < gs.length; f += 1000) await r.applyObjectBatch(newId(), agentId, gs.slice(f, f + 1000), new Date());
  console.log('load', ((performance.now() - t) / 1000).toFixed(1), 's');
  t = performance.now();
  const ups: ObjectChange[] = []; for (let i = 0; i < N; i += 100) ups.push({ op: 'upsert', object: user(i, `Changed ${i}`) });
  await r.applyObjectBatch(newId(), agentId, ups, new Date());
  console.log('1% updates', ((performance.now() - t) / 1000).toFixed(2), 's');
  t = performance.now();
  const dels: ObjectChange[] = []; for (let i = N - 1; dels.length < N / 1000; i -= 3) dels.push({ op: 'delete', kind: 'user', anchor: user(i).anchor, dn: user(i).dn });
  await r.applyObjectBatch(newId(), agentId, dels, new Date());
  console.log('0.1% deletes', ((performance.now() - t) / 1000).toFixed(2), 's');
  t = performance.now();
  await r.countUsers(); console.log('countUsers', ((performance.now() - t) / 1000).toFixed(2), 's');
  t = performance.now();
  const page = await r.listGroups({ page: 1, pageSize: 1000 }); console.log('listGroups 1000', ((performance.now() - t) / 1000).toFixed(2), 's', page.items[0]?.memberCount);
  t = performance.now();
  const s = await r.listUsers({ search: 'u50000@', page: 1, pageSize: 5 }); console.log('listUsers search', ((performance.now() - t) / 1000).toFixed(2), 's', s.total);
  t = performance.now();
  let n = 0; for await (const _ of (async function* () { let after = ''; for (;;) { const rows = await r.listSyncedObjects(after, 5000); if (!rows.length) return; n += rows.length; after = rows[rows.length - 1]!.anchor; yield rows; } })()) {}
  console.log('listSyncedObjects all', ((performance.now() - t) / 1000).toFixed(2), 's', n);
} finally {
  await store.close();
  await admin.query(`drop database if exists ${name} with (force)`); await admin.end();
}
