/**
 * Admin center paths of one user or group. The anchor is URL-encoded, dots included: the tenant
 * serves the app for a path whose last segment has no dot (a dot means a missing file), and a DN
 * anchor such as uid=emma.jansen,ou=People has one.
 */
export function encodeId(anchor: string): string {
  return encodeURIComponent(anchor).replace(/\./g, '%2E');
}

export const userPath = (anchor: string): string => `/users/${encodeId(anchor)}`;
export const groupPath = (anchor: string): string => `/groups/${encodeId(anchor)}`;
