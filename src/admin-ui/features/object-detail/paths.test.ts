import { describe, expect, it } from 'vitest';
import { encodeId, groupPath, userPath } from './paths.js';

describe('object paths', () => {
  it.each([
    ['uid=emma.jansen,ou=People,dc=example,dc=org'],
    ['0a1b2c3d-4e5f-6789-abcd-ef0123456789'],
    ['cn=a/b+c,o=x y%z'],
  ])('encode %s into one segment without dots that decodes back', (anchor) => {
    const id = encodeId(anchor);
    expect(id).not.toMatch(/[./,=]/);
    expect(decodeURIComponent(id)).toBe(anchor);
    expect(userPath(anchor)).toBe(`/users/${id}`);
    expect(groupPath(anchor)).toBe(`/groups/${id}`);
  });
});
