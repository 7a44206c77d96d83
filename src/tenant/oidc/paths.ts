/** Where the provider is mounted in the tenant app; the issuer is `<tenant URL>/oidc`. */
export const OIDC_PREFIX = '/oidc';
export const INTERACTION_PATH = `${OIDC_PREFIX}/interaction`;

/** The scopes we grant (every client is first-party; see provider.ts for the claims of each). */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'groups'] as const;
