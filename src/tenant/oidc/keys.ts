/**
 * The provider's keys, kept in the tenant store as one key ring (key-ring.ts), so every replica
 * signs with the same key and a restart keeps tokens and sessions valid. The ring is rotated when
 * due (and on demand) with a compare-and-set, so replicas rotating at once agree on one ring.
 */
import type { OidcRepository } from '../store/oidc-repository.js';
import {
  cookieKeyList, isKeyRing, keyRingFromLegacy, maintainKeyRing, newKeyRing, providerJwks, pruneKeyRing, rotateKeyRing,
  type KeyRing, type KeyRingPolicy,
} from './key-ring.js';
import { DEFAULT_KEY_ROTATION_DAYS, OIDC_TTL } from './paths.js';

export interface ProviderKeys {
  /** Private JWK set for oidc-provider's `jwks` (never served: the provider publishes the public part). */
  jwks: { keys: Array<Record<string, unknown>> };
  cookieKeys: string[];
  /** Changes whenever the ring does: providers built on older keys are rebuilt. */
  stamp: string;
}

const DAY_MS = 86_400_000;
/** Clock skew between replicas and relying parties, on top of a token's or cookie's lifetime. */
const RETENTION_MARGIN_MS = 5 * 60_000;
const CAS_ATTEMPTS = 5;

export function keyRingPolicy(rotateEveryDays: number = DEFAULT_KEY_ROTATION_DAYS): KeyRingPolicy {
  return {
    rotateEveryMs: rotateEveryDays * DAY_MS,
    signingRetentionMs: Math.max(OIDC_TTL.IdToken, OIDC_TTL.AccessToken) * 1000 + RETENTION_MARGIN_MS,
    cookieRetentionMs: Math.max(OIDC_TTL.Session, OIDC_TTL.Interaction) * 1000 + RETENTION_MARGIN_MS,
  };
}

function parseRing(raw: string): KeyRing {
  const ring = JSON.parse(raw) as unknown;
  if (!isKeyRing(ring)) throw new Error('the stored OpenID Connect key ring is malformed');
  return ring;
}

/** The stored ring, made on first use (from the keys of a tenant created before rotation, if any). */
async function storedRing(oidc: OidcRepository, now: number): Promise<string> {
  const existing = await oidc.findSecret('key_ring');
  if (existing !== null) return existing;
  const legacyJwks = await oidc.findSecret('signing_jwks');
  const legacyCookies = await oidc.findSecret('cookie_keys');
  const raw = await oidc.getOrCreateSecret('key_ring', () => JSON.stringify(legacyJwks === null && legacyCookies === null
    ? newKeyRing(now)
    : keyRingFromLegacy(legacyJwks === null ? null : JSON.parse(legacyJwks) as { keys: Array<Record<string, unknown>> }, legacyCookies === null ? null : JSON.parse(legacyCookies) as string[], now, now)));
  // The ring holds them now: no second copy of a private key that the ring will in time remove.
  if (legacyJwks !== null) await oidc.deleteSecret('signing_jwks');
  if (legacyCookies !== null) await oidc.deleteSecret('cookie_keys');
  return raw;
}

/** Applies `change` to the stored ring with compare-and-set, retrying when another replica won. */
async function updateRing(oidc: OidcRepository, now: number, change: (ring: KeyRing) => KeyRing): Promise<KeyRing> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
    const raw = await storedRing(oidc, now);
    const ring = parseRing(raw);
    const next = change(ring);
    if (next === ring) return ring;
    if (await oidc.replaceSecret('key_ring', raw, JSON.stringify(next))) return next;
  }
  throw new Error('the OpenID Connect key ring kept changing while it was updated');
}

/** The ring as it should be at `now`: rotated when due, expired keys removed. */
export function loadKeyRing(oidc: OidcRepository, now: Date, policy: KeyRingPolicy): Promise<KeyRing> {
  return updateRing(oidc, now.getTime(), (ring) => maintainKeyRing(ring, now.getTime(), policy));
}

/** Rotates now (an admin's or the CLI's request), whatever the schedule. */
export function rotateKeys(oidc: OidcRepository, now: Date, policy: KeyRingPolicy): Promise<KeyRing> {
  return updateRing(oidc, now.getTime(), (ring) => pruneKeyRing(rotateKeyRing(ring, now.getTime()), now.getTime(), policy));
}

export function providerKeysOf(ring: KeyRing): ProviderKeys {
  return {
    jwks: providerJwks(ring),
    cookieKeys: cookieKeyList(ring),
    stamp: `${ring.rotatedAt}:${ring.signing.map((k) => k.kid).join(',')}:${ring.cookies.length}`,
  };
}
