import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { passwordBarFormat } from './sync-command.js';
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

  /** The last line `dirbridge sync --passwords-only` draws for this progress, through cli-progress itself. */
  function barLine(mode: string, processed: number, total: number, derived: number): string {
    let written = '';
    const stream = new Writable({ write(chunk: Buffer, _encoding, done) { written += chunk.toString(); done(); } });
    const bar = new cliProgress.SingleBar({ format: passwordBarFormat, stream, noTTYOutput: true, notTTYSchedule: 10_000 }, cliProgress.Presets.shades_classic);
    bar.start(1, 0, { derived: 0, mode });
    bar.setTotal(total);
    bar.update(processed, { derived, mode });
    bar.stop();
    return written.trim().split('\n').at(-1)!.trim();
  }

  it('draws a bar towards the total for a full read, and a count for a delta', () => {
    expect(barLine('full', 450, 1000, 120)).toMatch(/^passwords \|.+\| 450 of 1000 users · 120 derived · .+ left$/);
    const delta = barLine('delta', 12, 12, 11);
    expect(delta).toBe('passwords | 12 changed so far · 11 derived');
  });
});
