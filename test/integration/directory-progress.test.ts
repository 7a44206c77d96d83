/**
 * The directory pipeline's progress reaches the tenant with the agent's heartbeats (against a real
 * slapd and a tenant on SQLite): a heartbeat sent while a full cycle reads carries the objects read,
 * of about how many (what the last cycle exported), and the next one after the cycle clears it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlapd, type Slapd } from '../support/slapd.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import type { RunningAgent } from '../../src/cli/agent-wiring.js';

const SUFFIX = 'dc=example,dc=test';
const USERS = 40;
const uid = (i: number) => `p${String(i).padStart(3, '0')}`;
const ldif = [
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  ...Array.from({ length: USERS }, (_, i) => `dn: uid=${uid(i)},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: ${uid(i)}\nsn: Person\nmail: ${uid(i)}@example.test\n`),
].join('\n');

describe('directory progress in the heartbeats (slapd, SQLite)', () => {
  let slapd: Slapd;
  let harness: SyncHarness;
  let agent: RunningAgent;

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif });
    harness = await startSyncHarness('sqlite', slapd);
    agent = await harness.agent({}, { intervals: { deltaMinutes: 60, passwordMinutes: 60 } });
    await agent.agent.connect();
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await slapd?.stop();
  });

  it('reports a running full cycle: objects read, of about how many, and clears it when the cycle ends', async () => {
    // A first sync knows no size: its progress has no "of how many".
    let firstBeat: Promise<unknown> | null = null;
    const first = await agent.agent.syncDirectory('full', { onProgress: (p) => { if (p.read > 0 && !firstBeat) firstBeat = agent.agent.connect(); } });
    expect(first?.counts.added).toBe(USERS);
    await firstBeat;
    // The heartbeat took the progress when it was sent, during the read.
    const during = (await harness.repo.listAgents())[0]?.directoryProgress;
    // The heartbeat names the kind of directory as its own field (the trace's hash path follows it).
    expect((await harness.repo.listAgents())[0]?.sourceFlavor).toBe('openldap');
    expect(during).toMatchObject({ mode: 'full', phase: 'reading', expected: null });
    expect(during?.read).toBeGreaterThan(0);

    await agent.agent.connect();
    expect((await harness.repo.listAgents())[0]?.directoryProgress).toBeNull();

    // The next full cycle reads about what the last one exported.
    let beat: Promise<unknown> | null = null;
    await agent.agent.syncDirectory('full', { onProgress: (p) => { if (p.read > 0 && !beat) beat = agent.agent.connect(); } });
    await beat;
    const second = (await harness.repo.listAgents())[0]?.directoryProgress;
    expect(second).toMatchObject({ mode: 'full', expected: USERS });
    expect(second?.read).toBeGreaterThan(0);
    await agent.agent.connect();
    expect((await harness.repo.listAgents())[0]?.directoryProgress).toBeNull();
  }, 60_000);
});
