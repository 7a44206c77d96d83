import { describe, expect, it } from 'vitest';
import { describePasswordProgress } from './tenant-commands.js';

describe('password progress in the CLI', () => {
  const startedAt = new Date(0).toISOString();

  it('says "of how many" and the time left for a full read', () => {
    expect(describePasswordProgress({ mode: 'full', startedAt, processed: 45_000, total: 100_000, derived: 12_000, etaSeconds: 180 }))
      .toBe('45,000 of 100,000 users (12,000 derived), about 3 min left');
  });

  it('does not claim a delta is done: its size is known only once read', () => {
    const text = describePasswordProgress({ mode: 'delta', startedAt, processed: 12, total: 12, derived: 11, etaSeconds: null });
    expect(text).toBe('12 changed so far (11 derived)');
    expect(text).not.toContain(' of ');
  });
});
