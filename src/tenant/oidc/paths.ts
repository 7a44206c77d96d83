/** Where the provider is mounted in the tenant app; the issuer is `<tenant URL>/oidc`. */
export const OIDC_PREFIX = '/oidc';
export const INTERACTION_PATH = `${OIDC_PREFIX}/interaction`;

/** The scopes we grant (every client is first-party; see provider.ts for the claims of each). */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'groups'] as const;

/**
 * Lifetimes (seconds) of what the provider issues. The key ring (key-ring.ts) keeps a retired
 * signing key published as long as the longest-lived signed token, and a retired cookie key as
 * long as the longest-lived cookie (the session's).
 */
export const OIDC_TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 15 * 60,
  Session: 8 * 3600,
  Grant: 14 * 24 * 3600,
} as const;

/** Default days between rotations of the signing and cookie keys (tenant.oidc.keyRotationDays). */
export const DEFAULT_KEY_ROTATION_DAYS = 90;
