import { describe, expect, it } from 'vitest';
import { isPostgresUrl, redactUrl } from './open-store.js';

describe('isPostgresUrl', () => {
  it.each([
    ['postgres://u@h/db', true],
    ['postgresql://u:p@h:5432/db', true],
    ['  POSTGRES://h/db', true],
    ['sqlite:///data/x.sqlite', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (url, expected) => {
    expect(isPostgresUrl(url)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://dirbridge:top-secret@db.example:5432/dirbridge')).toBe('postgres://dirbridge:***@db.example:5432/dirbridge');
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe('postgres://postgres@127.0.0.1:5432/test');
  });

  it('never echoes a URL it cannot parse (it might hold a password)', () => {
    expect(redactUrl('postgres://user:pw@[bad')).toBe('the configured DATABASE_URL');
  });
});
