import { describe, expect, it } from 'vitest';

import { pollForChanges } from './usn-poll.js';

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('pollForChanges (the AD change watch)', () => {
  it('calls onChange each time the change mark moves, never for the first answer or an unchanged one', async () => {
    const marks = ['100:dc1', '100:dc1', '101:dc1', '101:dc1', '105:dc1'];
    let read = 0;
    let changes = 0;
    const stop = pollForChanges(async () => marks[Math.min(read++, marks.length - 1)] ?? null, 1, () => changes++, (e) => { throw e; });
    while (read < marks.length + 2) await tick(5);
    stop();
    expect(changes).toBe(2);
  });

  it('reports a failed read and keeps polling; a DC answering again with a moved mark is a change', async () => {
    const answers: Array<string | Error> = ['7:dc1', new Error('DC down'), '8:dc1'];
    let read = 0;
    const errors: unknown[] = [];
    let changes = 0;
    const stop = pollForChanges(async () => {
      const a = answers[Math.min(read++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    }, 1, () => changes++, (e) => errors.push(e));
    while (read < answers.length + 1) await tick(5);
    stop();
    expect(errors).toHaveLength(1);
    expect(changes).toBe(1);
  });

  it('stops reading once stopped', async () => {
    let read = 0;
    const stop = pollForChanges(async () => String(read++), 1, () => undefined, () => undefined);
    await tick(20);
    stop();
    const after = read;
    await tick(40);
    expect(read - after).toBeLessThanOrEqual(1);
  });
});
