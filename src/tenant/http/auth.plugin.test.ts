import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgentCredential, safeEqual } from './auth.plugin.js';

describe('parseAgentCredential (untrusted bearer values)', () => {
  it.each([
    ['3f1c.secret', { agentId: '3f1c', secret: 'secret' }],
    ['id.sec.ret', { agentId: 'id', secret: 'sec.ret' }],
    ['.secret', null],
    ['id.', null],
    ['nodot', null],
    ['', null],
  ])('%j', (input, expected) => {
    expect(parseAgentCredential(input)).toEqual(expected);
  });

  it('never throws, and what it returns joins back to the input', () => {
    fc.assert(fc.property(fc.string(), (input) => {
      const parsed = parseAgentCredential(input);
      if (parsed) {
        expect(`${parsed.agentId}.${parsed.secret}`).toBe(input);
        expect(parsed.agentId).not.toContain('.');
        expect(parsed.agentId.length).toBeGreaterThan(0);
        expect(parsed.secret.length).toBeGreaterThan(0);
      }
    }));
  });
});

describe('safeEqual', () => {
  it('is string equality, for any strings (including different lengths and non-ASCII)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      expect(safeEqual(a, b)).toBe(a === b);
      expect(safeEqual(a, a)).toBe(true);
    }));
  });
});
