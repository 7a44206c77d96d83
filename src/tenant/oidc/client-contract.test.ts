import { describe, expect, it } from 'vitest';
import { oidcClientCreateRequest, redirectUriSchema } from './client-contract.js';

describe('redirect URIs', () => {
  it.each([
    ['https://app.example.com/callback', true],
    ['https://app.example.com:8443/cb?x=1', true],
    ['http://localhost:3000/cb', true],
    ['http://127.0.0.1:9/cb', true],
    ['http://[::1]:8080/cb', true],
    ['http://app.example.com/cb', false],
    ['https://app.example.com/cb#frag', false],
    ['javascript:alert(1)', false],
    ['/relative/cb', false],
    ['ftp://app.example.com/cb', false],
  ])('%s -> %s', (uri, ok) => {
    expect(redirectUriSchema.safeParse(uri).success).toBe(ok);
  });

  it('requires a name and at least one redirect URI, confidential by default', () => {
    expect(oidcClientCreateRequest.parse({ name: ' Wiki ', redirectUris: ['https://wiki.example.com/cb'] })).toEqual({ name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'], public: false });
    expect(oidcClientCreateRequest.safeParse({ name: 'Wiki', redirectUris: [] }).success).toBe(false);
    expect(oidcClientCreateRequest.safeParse({ name: 'Wiki', redirectUris: ['https://a.example/cb'], secret: 'x' }).success).toBe(false);
  });
});
