import { describe, expect, it } from 'vitest';
import { Rc4, rc4 } from './rc4.js';

describe('RC4', () => {
  it('matches RFC 6229 (40-bit key 0102030405, offset 0) and the classic Key/Plaintext vector', () => {
    expect(rc4(Buffer.from('0102030405', 'hex'), Buffer.alloc(16)).toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
    expect(rc4(Buffer.from('Key'), Buffer.from('Plaintext')).toString('hex')).toBe('bbf316e8d940af0ad3');
  });

  it('continues the key stream across updates', () => {
    const stream = new Rc4(Buffer.from('Key'));
    expect(Buffer.concat([stream.update(Buffer.from('Plain')), stream.update(Buffer.from('text'))]).toString('hex')).toBe('bbf316e8d940af0ad3');
  });
});
