import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AppError, ERRORS, toPublicError } from './errors.js';
import { renderErrorDocs } from './error-docs.js';

describe('error registry', () => {
  it('is mirrored by docs/errors.md (run `npx tsx scripts/make-docs.ts` after changing it)', () => {
    expect(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorDocs());
  });

  it.each(Object.entries(ERRORS))('%s has an actionable message and hint', (_code, d) => {
    expect(d.message.length).toBeGreaterThan(10);
    expect(d.hint.length).toBeGreaterThan(10);
    expect(d.status).toBeGreaterThanOrEqual(200);
  });

  it('hides what is not exposed behind INTERNAL_ERROR', () => {
    const error = new AppError('STORE_UNAVAILABLE', { message: 'connect ECONNREFUSED postgres://admin:secret@db', cause: new Error('x') });
    expect(toPublicError(error).code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(toPublicError(error))).not.toContain('secret');
    expect(toPublicError(new Error('boom')).code).toBe('INTERNAL_ERROR');
  });

  it('keeps the specific message and details of an exposed error', () => {
    const error = new AppError('LDIF_SYNTAX', { message: 'Line 4: no colon', details: { line: 4 } });
    expect(toPublicError(error)).toMatchObject({ code: 'LDIF_SYNTAX', message: 'Line 4: no colon', details: { line: 4 } });
  });
});
