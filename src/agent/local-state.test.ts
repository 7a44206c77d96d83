import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import Database from 'better-sqlite3';

import { LocalState } from './local-state.js';

describe('LocalState (a real SQLite file)', () => {
  let dir: string;
  let state: LocalState;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dirbridge-state-'));
    state = new LocalState(join(dir, 'state.sqlite'));
  });
  afterEach(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('looks up a page of anchors and of DNs in one call, the same records as one by one', () => {
    const records = Array.from({ length: 1200 }, (_, i) => ({ anchor: `a-${i}`, kind: 'user' as const, dn: `UID=u${i}, ou=People,dc=x`, fingerprint: `f${i}`, uid: `u${i}` }));
    state.exports.commit(records, []);
    const anchors = [...records.map((r) => r.anchor), 'missing', 'a-5'];
    const many = state.exports.getMany(anchors);
    expect(many.size).toBe(1200);
    expect(many.get('a-7')).toEqual(state.exports.get('a-7'));
    expect(many.has('missing')).toBe(false);

    const byDn = state.exports.findByNormalizedDns(['uid=u3,ou=people,dc=x', 'uid=nobody,dc=x', 'uid=u1199,ou=people,dc=x']);
    expect([...byDn.keys()].sort()).toEqual(['uid=u1199,ou=people,dc=x', 'uid=u3,ou=people,dc=x']);
    expect(byDn.get('uid=u3,ou=people,dc=x')).toEqual(state.exports.get('a-3'));
    expect(state.exports.getMany([]).size).toBe(0);
  });

  it('keeps what it recorded across a reopen, and forgets a deleted anchor', () => {
    state.exports.commit([{ anchor: 'a', kind: 'group', dn: 'cn=g,dc=x', fingerprint: 'f', uid: null }], []);
    state.exports.setCursor('directory', 'c1');
    state.close();
    state = new LocalState(join(dir, 'state.sqlite'));
    expect(state.exports.get('a')?.kind).toBe('group');
    expect(state.exports.getCursor('directory')).toBe('c1');
    state.exports.commit([], ['a']);
    expect(state.exports.count()).toBe(0);
  });

  it('re-indexes on open a DN the older normalizer had indexed with its escape kept (cn=Smith\\2c john)', () => {
    state.exports.commit([{ anchor: 'js', kind: 'user', dn: 'cn=Smith\\2C John,dc=x', fingerprint: 'f', uid: 'jsmith' }], []);
    state.close();
    // What the older normalizer stored for that DN.
    const raw = new Database(join(dir, 'state.sqlite'));
    raw.prepare('UPDATE exported SET dn_norm = ? WHERE anchor = ?').run('cn=smith\\2c john,dc=x', 'js');
    raw.close();
    state = new LocalState(join(dir, 'state.sqlite'));
    expect([...state.exports.findByNormalizedDns(['cn=smith\\, john,dc=x']).keys()]).toEqual(['cn=smith\\, john,dc=x']);
  });
});
