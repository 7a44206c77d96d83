import { beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { checkPassword, deriveVerifier, parseStoredPassword } from '../passwords/index.js';
import type { DirectoryEntry } from '../directory/entry.js';
import type { PasswordVerifier } from '../passwords/verifier-model.js';
import { runDirectoryCycle } from './directory-cycle.js';
import { runPasswordCycle, type PasswordCycleOptions, type VerifierDeriver } from './password-cycle.js';
import { MemoryDirectory, MemoryExportState, MemoryPasswordState, MemoryTenant } from './fakes.js';

const kdf = { log2N: 10, r: 8, p: 1, keyLength: 32 };
const deriver: VerifierDeriver = { parse: parseStoredPassword, derive: deriveVerifier };
// {SSHA} as OpenLDAP writes it: base64(sha1(password + salt) + salt).
const ssha = (password: string) => {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
};
const person = (uid: string, passwords: string[]): DirectoryEntry => ({
  dn: `uid=${uid},ou=People,dc=example,dc=org`,
  attributes: { objectclass: ['inetOrgPerson'], entryuuid: [`u-${uid}`], uid: [uid], cn: [uid], sn: ['S'], mail: [`${uid}@example.org`], userpassword: passwords },
});

describe('runPasswordCycle', () => {
  let directory: MemoryDirectory;
  let exported: MemoryExportState;
  let state: MemoryPasswordState;
  let tenant: MemoryTenant;
  const options: PasswordCycleOptions = { mode: 'delta', flavor: 'openldap', kdfParams: kdf, fingerprintKey: randomBytes(32) };
  const verifiersOf = (anchor: string): PasswordVerifier[] => {
    const item = tenant.verifiers.get(anchor);
    return item?.op === 'set' ? item.verifiers : [];
  };

  beforeEach(async () => {
    directory = new MemoryDirectory();
    exported = new MemoryExportState();
    state = new MemoryPasswordState();
    tenant = new MemoryTenant();
    directory.put(person('ann', [ssha('Ann-pass-1')]));
    directory.put(person('bob', [ssha('Bob-pass-1'), '{SSHA}' + 'x'.repeat(4)]));
    directory.put(person('cas', ['{NOPE}abc']));
    directory.put(person('dan', []));
    await runDirectoryCycle(directory, exported, tenant, { mode: 'full', mapping: { flavor: 'openldap' }, deleteThreshold: 500, allowedDeletes: 0 });
  });

  it('derives verifiers that sign in with the directory password, and reports unusable schemes', async () => {
    const result = await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    expect(result.outcome).toBe('partial');
    expect(result.counts).toMatchObject({ derived: 2, errors: 1 });
    expect(await checkPassword('Ann-pass-1', verifiersOf('u-ann'))).toBe(true);
    expect(await checkPassword('wrong', verifiersOf('u-ann'))).toBe(false);
    // One malformed value among several: the good one still signs in.
    expect(await checkPassword('Bob-pass-1', verifiersOf('u-bob'))).toBe(true);
    expect(result.errors).toEqual([expect.objectContaining({ anchor: 'u-cas', code: 'PASSWORD_SCHEME_UNSUPPORTED' })]);
    expect(tenant.verifiers.get('u-cas')).toMatchObject({ op: 'error', scheme: 'NOPE' });
    // The tenant never receives the directory's hash.
    expect(JSON.stringify(tenant.passwordBatches)).not.toContain('{SSHA}');
  });

  it('reports a hash beyond the cost bounds as a per-user error with its own code, and never derives it', async () => {
    // A user allowed to write their own userPassword can store a hash that takes seconds per check.
    directory.put(person('fay', [`{CRYPT}$6$rounds=999999999$salt$${'a'.repeat(86)}`]));
    directory.put(person('gus', [`{CRYPT}$2b$15$${'a'.repeat(53)}`]));
    await runDirectoryCycle(directory, exported, tenant, { mode: 'full', mapping: { flavor: 'openldap' }, deleteThreshold: 500, allowedDeletes: 0 });
    const result = await runPasswordCycle(directory, exported, state, tenant, deriver, { ...options, mode: 'full' });
    const costly = result.errors.filter((e) => e.code === 'PASSWORD_HASH_TOO_COSTLY').map((e) => e.anchor).sort();
    expect(costly).toEqual(['u-fay', 'u-gus']);
    expect(tenant.verifiers.get('u-fay')).toMatchObject({ op: 'error', code: 'PASSWORD_HASH_TOO_COSTLY', scheme: 'CRYPT' });
  });

  it('reports a standing problem again while the hash stays the same, since each report replaces the last', async () => {
    directory.put(person('eve', ['Cleartext-eve']));
    await runDirectoryCycle(directory, exported, tenant, { mode: 'delta', mapping: { flavor: 'openldap' }, deleteThreshold: 500, allowedDeletes: 0 });
    const first = await runPasswordCycle(directory, exported, state, tenant, deriver, { ...options, mode: 'full' });
    const again = await runPasswordCycle(directory, exported, state, tenant, deriver, { ...options, mode: 'full' });
    expect(again.counts.derived).toBe(0);
    const codes = (r: typeof first) => r.errors.map((e) => [e.anchor, e.code]).sort();
    expect(codes(again)).toEqual(codes(first));
    expect(codes(again)).toEqual([['u-cas', 'PASSWORD_SCHEME_UNSUPPORTED'], ['u-eve', 'PASSWORD_CLEARTEXT']]);
  });

  it('derives again only what changed', async () => {
    await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    tenant.passwordBatches.length = 0;
    const unchanged = await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    expect(unchanged.counts).toMatchObject({ derived: 0 });
    expect(tenant.passwordBatches.flat()).toHaveLength(0);

    directory.put(person('ann', [ssha('Ann-pass-2')]));
    const changed = await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    expect(changed.counts).toMatchObject({ derived: 1, read: 1 });
    expect(await checkPassword('Ann-pass-2', verifiersOf('u-ann'))).toBe(true);
    expect(await checkPassword('Ann-pass-1', verifiersOf('u-ann'))).toBe(false);
  });

  it('re-derives every verifier when the KDF parameters change', async () => {
    await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    const again = await runPasswordCycle(directory, exported, state, tenant, deriver, { ...options, mode: 'full', kdfParams: { ...kdf, log2N: 11 } });
    expect(again.counts.derived).toBe(2);
    expect(verifiersOf('u-ann')[0]?.kdfParams).toMatchObject({ log2N: 11 });
  });

  it('clears the verifier when the directory removes the password', async () => {
    await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    directory.put(person('ann', []));
    const result = await runPasswordCycle(directory, exported, state, tenant, deriver, options);
    expect(result.counts.cleared).toBe(1);
    expect(tenant.verifiers.has('u-ann')).toBe(false);
  });
});
