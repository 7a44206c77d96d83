/**
 * The tenant's OpenID Connect key ring: the RSA keys that sign ID tokens and the keys that sign
 * the provider's cookies, and how they rotate without breaking anyone.
 *
 * Signing keys: there is always a *next* key, published in the JWKS but not used, so relying
 * parties that cache the JWKS already know it when it starts signing. A rotation retires the
 * current key (still published, so tokens it signed keep verifying), makes the next one current
 * and creates a new next one. A retired key is removed once every token it signed has expired.
 *
 * Cookie keys (keygrip): the first signs, every one verifies; a rotation puts a new key first and
 * keeps the old ones until the longest-lived cookie they signed (the session) has expired.
 *
 * Pure: no store, no HTTP. keys.ts keeps the ring in the store.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

export interface SigningKeyEntry {
  kid: string;
  /** The private JWK (kid, alg and use set). */
  jwk: Record<string, unknown>;
  createdAt: number;
  /** When it started signing; null while it is the next key. */
  activatedAt: number | null;
  /** When it stopped signing; it stays published until `retiredAt + retention`. */
  retiredAt: number | null;
}

export interface CookieKeyEntry {
  key: string;
  createdAt: number;
  retiredAt: number | null;
}

export interface KeyRing {
  version: 1;
  /** Current first, then next, then retired (newest first). */
  signing: SigningKeyEntry[];
  /** Current first, then retired (newest first). */
  cookies: CookieKeyEntry[];
  rotatedAt: number;
}

export interface KeyRingPolicy {
  /** A rotation is due this long after the last one. */
  rotateEveryMs: number;
  /** A retired signing key stays published this long: the longest lifetime of a token it signed. */
  signingRetentionMs: number;
  /** A retired cookie key still verifies this long: the longest lifetime of a cookie it signed. */
  cookieRetentionMs: number;
}

export type KeyRingSummary = {
  rotatedAt: Date;
  nextRotationAt: Date;
  signing: Array<{ kid: string; state: 'current' | 'next' | 'retired'; createdAt: Date; activatedAt: Date | null; retiredAt: Date | null; removedAt: Date | null }>;
  cookieKeys: Array<{ state: 'current' | 'retired'; createdAt: Date; retiredAt: Date | null; removedAt: Date | null }>;
};

function newSigningKey(now: number, activatedAt: number | null): SigningKeyEntry {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return { kid, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }, createdAt: now, activatedAt, retiredAt: null };
}

function newCookieKey(now: number): CookieKeyEntry {
  return { key: randomBytes(32).toString('base64url'), createdAt: now, retiredAt: null };
}

export function newKeyRing(now: number): KeyRing {
  return { version: 1, signing: [newSigningKey(now, now), newSigningKey(now, null)], cookies: [newCookieKey(now)], rotatedAt: now };
}

/**
 * A ring from the single key and cookie list of a tenant created before rotation existed: they
 * stay current (tokens and sessions survive the upgrade), a next key is added.
 */
export function keyRingFromLegacy(jwks: { keys: Array<Record<string, unknown>> } | null, cookieKeys: string[] | null, createdAt: number, now: number): KeyRing {
  const ring = newKeyRing(now);
  const legacy = jwks?.keys[0];
  if (legacy && typeof legacy['kid'] === 'string') {
    ring.signing[0] = { kid: legacy['kid'], jwk: legacy, createdAt, activatedAt: createdAt, retiredAt: null };
    ring.rotatedAt = createdAt;
  }
  if (cookieKeys && cookieKeys.length > 0) ring.cookies = cookieKeys.map((key) => ({ key, createdAt, retiredAt: null }));
  return ring;
}

export function isKeyRing(value: unknown): value is KeyRing {
  const ring = value as Partial<KeyRing> | null;
  return typeof ring === 'object' && ring !== null && ring.version === 1 && Array.isArray(ring.signing) && Array.isArray(ring.cookies)
    && ring.signing.some((k) => k.activatedAt !== null && k.retiredAt === null) && ring.signing.some((k) => k.activatedAt === null) && ring.cookies.length > 0;
}

/** The next key starts signing, the current one retires, a new next key is published. */
export function rotateKeyRing(ring: KeyRing, now: number): KeyRing {
  const current = ring.signing.find((k) => k.activatedAt !== null && k.retiredAt === null)!;
  const next = ring.signing.find((k) => k.activatedAt === null)!;
  const retired = ring.signing.filter((k) => k !== current && k !== next);
  return {
    version: 1,
    signing: [{ ...next, activatedAt: now }, newSigningKey(now, null), { ...current, retiredAt: now }, ...retired],
    cookies: [newCookieKey(now), ...ring.cookies.map((c) => (c.retiredAt === null ? { ...c, retiredAt: now } : c))],
    rotatedAt: now,
  };
}

/** Drops retired keys whose tokens and cookies have all expired. */
export function pruneKeyRing(ring: KeyRing, now: number, policy: KeyRingPolicy): KeyRing {
  return {
    ...ring,
    signing: ring.signing.filter((k) => k.retiredAt === null || now < k.retiredAt + policy.signingRetentionMs),
    cookies: ring.cookies.filter((c) => c.retiredAt === null || now < c.retiredAt + policy.cookieRetentionMs),
  };
}

/** Rotates when due and prunes; returns the same object when nothing changed. */
export function maintainKeyRing(ring: KeyRing, now: number, policy: KeyRingPolicy): KeyRing {
  const rotated = now >= ring.rotatedAt + policy.rotateEveryMs ? rotateKeyRing(ring, now) : ring;
  const pruned = pruneKeyRing(rotated, now, policy);
  const changed = rotated !== ring || pruned.signing.length !== rotated.signing.length || pruned.cookies.length !== rotated.cookies.length;
  return changed ? pruned : ring;
}

/** The private JWK set for oidc-provider: it signs with the first key of the algorithm, the current one. */
export function providerJwks(ring: KeyRing): { keys: Array<Record<string, unknown>> } {
  return { keys: ring.signing.map((k) => k.jwk) };
}

/** keygrip's list: the first signs, all verify. */
export function cookieKeyList(ring: KeyRing): string[] {
  return ring.cookies.map((c) => c.key);
}

/** What an admin may see of the ring: ids, states and dates, never key material. */
export function summarizeKeyRing(ring: KeyRing, policy: KeyRingPolicy): KeyRingSummary {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    rotatedAt: new Date(ring.rotatedAt),
    nextRotationAt: new Date(ring.rotatedAt + policy.rotateEveryMs),
    signing: ring.signing.map((k) => ({
      kid: k.kid,
      state: k.activatedAt === null ? 'next' : k.retiredAt === null ? 'current' : 'retired',
      createdAt: new Date(k.createdAt), activatedAt: at(k.activatedAt), retiredAt: at(k.retiredAt),
      removedAt: at(k.retiredAt === null ? null : k.retiredAt + policy.signingRetentionMs),
    })),
    cookieKeys: ring.cookies.map((c) => ({
      state: c.retiredAt === null ? 'current' : 'retired',
      createdAt: new Date(c.createdAt), retiredAt: at(c.retiredAt),
      removedAt: at(c.retiredAt === null ? null : c.retiredAt + policy.cookieRetentionMs),
    })),
  };
}
