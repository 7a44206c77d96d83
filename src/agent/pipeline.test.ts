import { describe, expect, it } from 'vitest';
import { Pipeline } from './pipeline.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('Pipeline', () => {
  it('runs one at a time and coalesces what arrives meanwhile into one pending run', async () => {
    const runs: string[] = [];
    let release!: () => void;
    const pipeline = new Pipeline<string, string>(async (request) => {
      runs.push(request);
      if (runs.length === 1) await new Promise<void>((r) => { release = r; });
      return `done ${request}`;
    }, (a, b) => (a === 'full' || b === 'full' ? 'full' : 'delta'), () => undefined);
    const first = pipeline.request('delta');
    await tick();
    // Ten timer ticks and one full request while the first run is under way: one run follows.
    const waiting = [...Array.from({ length: 10 }, () => pipeline.request('delta')), pipeline.request('full')];
    release();
    expect(await first).toBe('done delta');
    expect(await Promise.all(waiting)).toEqual(Array(11).fill('done full'));
    expect(runs).toEqual(['delta', 'full']);
    expect(pipeline.busy).toBe(false);
  });

  it('keeps pipelines independent: one never waits for another', async () => {
    let releaseSlow!: () => void;
    const slow = new Pipeline<string, string>(() => new Promise((r) => { releaseSlow = () => r('slow'); }), (a) => a, () => undefined);
    const fast = new Pipeline<string, string>(async () => 'fast', (a) => a, () => undefined);
    const slowRun = slow.request('x');
    await tick();
    expect(await fast.request('y')).toBe('fast');
    releaseSlow();
    expect(await slowRun).toBe('slow');
  });

  it('reports a crashed run, answers its callers with null, and runs the next', async () => {
    const crashes: unknown[] = [];
    let n = 0;
    const pipeline = new Pipeline<string, number>(async () => { if (++n === 1) throw new Error('boom'); return n; }, (a) => a, (e) => crashes.push(e));
    expect(await pipeline.request('a')).toBeNull();
    expect(await pipeline.request('b')).toBe(2);
    expect(crashes).toHaveLength(1);
  });

  it('drops what is pending when stopped and takes no more', async () => {
    let release!: () => void;
    const pipeline = new Pipeline<string, string>((r) => (r === 'first' ? new Promise((done) => { release = () => done(r); }) : Promise.resolve(r)), (a) => a, () => undefined);
    const first = pipeline.request('first');
    await tick();
    const pending = pipeline.request('second');
    const stopping = pipeline.stop();
    expect(await pending).toBeNull();
    release();
    await stopping;
    expect(await first).toBe('first');
    expect(await pipeline.request('third')).toBeNull();
  });
});
