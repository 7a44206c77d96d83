import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isExpired, toFileTime } from './account-expires.js';

describe('accountExpires', () => {
  const now = Date.UTC(2026, 11, 2);
  it.each([
    ['0', false],
    ['9223372036854775807', false],
    [toFileTime(now - 1000).toString(), true],
    [toFileTime(now).toString(), true],
    [toFileTime(now + 1000).toString(), false],
    ['', false],
    [undefined, false],
    ['garbage', false],
    ['-1', false],
  ] as const)('%s -> expired %s', (value, expected) => {
    expect(isExpired(value, now)).toBe(expected);
  });

  it('knows the FILETIME epoch (1601)', () => {
    expect(toFileTime(0)).toBe(116444736000000000n);
  });

  it('never throws on any text', () => {
    fc.assert(fc.property(fc.string(), (value) => typeof isExpired(value, now) === 'boolean'));
  });
});
