/**
 * accountExpires: when an AD account stops working, as a FILETIME (100 ns intervals since
 * 1601-01-01 UTC). 0 and 0x7FFFFFFFFFFFFFFF both mean "never" (MS-ADA1 2.7, Account-Expires;
 * MS-ADTS 3.1.1.5.2.2). An expired account cannot sign in on the DC, so dirbridge shows it
 * disabled in the tenant.
 * https://learn.microsoft.com/en-us/windows/win32/adschema/a-accountexpires
 */
const NEVER = 0x7fffffffffffffffn;
const EPOCH_OFFSET_MS = 11_644_473_600_000n;

/** A Date as a FILETIME. */
export function toFileTime(date: Date | number): bigint {
  return (BigInt(Math.floor(typeof date === 'number' ? date : date.getTime())) + EPOCH_OFFSET_MS) * 10_000n;
}

/** True when accountExpires lies at or before `now`; absent, unparsable, 0 and the maximum mean never. */
export function isExpired(accountExpires: string | undefined | null, now: Date | number = Date.now()): boolean {
  if (!accountExpires || !/^-?\d{1,20}$/.test(accountExpires.trim())) return false;
  const value = BigInt(accountExpires.trim());
  if (value <= 0n || value >= NEVER) return false;
  return value <= toFileTime(now);
}
