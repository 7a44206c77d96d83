import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loopback } from './sign-in-security.js';

describe('loopback', () => {
  it('starts after 127.0.0.0/16, where the flood and the rest of the bench sign in', () => {
    expect(loopback(0)).toBe('127.1.0.2');
    expect(loopback(249)).toBe('127.1.0.251');
    expect(loopback(250)).toBe('127.1.1.2');
  });
  it('gives distinct valid loopback addresses', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (a, b) => {
      const x = loopback(a);
      const octets = x.split('.').map(Number);
      return octets.length === 4 && octets[0] === 127 && octets.every((o) => o >= 0 && o <= 255) && (a === b) === (x === loopback(b));
    }));
  });
});
