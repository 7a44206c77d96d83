import { describe, expect, it } from 'vitest';
import { objectBatchRequest, settingsPatchRequest } from '../api/contract.js';
import { requestInvalid } from './route.js';

describe('requestInvalid', () => {
  it('names every bad field by its path, in the message and the details', () => {
    const result = objectBatchRequest.safeParse({ batchId: 'short', changes: [{ op: 'delete', kind: 'user', anchor: '', dn: 'x' }] });
    if (result.success) throw new Error('expected a failure');
    const error = requestInvalid(result.error, 'body');
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.details?.['fields']).toEqual(['batchId', 'changes.0.anchor']);
    expect(error.message).toMatch(/^The request body is invalid: batchId: .+; changes\.0\.anchor: .+\.$/);
  });

  it('names an unknown key of a strict object', () => {
    const result = settingsPatchRequest.safeParse({ passwordSync: true });
    if (result.success) throw new Error('expected a failure');
    const error = requestInvalid(result.error, 'body');
    expect(error.message).toContain('passwordSync');
    expect(error.details?.['fields']).toEqual(['passwordSync']);
    expect(error.message).toBe('The request body is invalid: passwordSync: Unknown field.');
  });

  it('says (query) for a problem with the whole query', () => {
    const result = settingsPatchRequest.safeParse('nope');
    if (result.success) throw new Error('expected a failure');
    expect(requestInvalid(result.error, 'query').message).toMatch(/^The request query is invalid: \(query\): /);
  });
});
