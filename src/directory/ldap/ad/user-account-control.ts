/**
 * userAccountControl flags of Active Directory. ACCOUNTDISABLE is 0x2; see
 * https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties
 * and MS-ADTS 2.2.16 (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/dd302fd1-0aa7-406b-ad91-2a6b35738557).
 */
export const UF_ACCOUNTDISABLE = 0x2;
export const UF_NORMAL_ACCOUNT = 0x200;
export const UF_DONT_EXPIRE_PASSWD = 0x10000;

/** True when the account is disabled. Accepts the attribute's decimal string as LDAP returns it. */
export function isDisabled(userAccountControl: string | number | undefined | null): boolean {
  if (userAccountControl === undefined || userAccountControl === null || userAccountControl === '') return false;
  const value = typeof userAccountControl === 'number' ? userAccountControl : Number.parseInt(userAccountControl, 10);
  if (!Number.isFinite(value)) return false;
  // The attribute is a signed 32-bit integer on the wire; >>> 0 makes negative values usable as flags.
  return ((value >>> 0) & UF_ACCOUNTDISABLE) !== 0;
}
