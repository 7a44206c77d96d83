/**
 * A directory that accepts connections and then stalls, or sends garbage, fails the agent's cycle
 * with a coded error that reaches the DirSync status and the troubleshooter: the agent keeps its
 * heartbeat, but the tenant no longer reads as healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningAgent } from '../../../src/cli/agent-wiring.js';
import { computeDirSyncStatus } from '../../../src/tenant/domain/status.js';
import { runTroubleshooter } from '../../../src/tenant/domain/troubleshooter.js';
import { loadStatusInput } from '../../../src/tenant/status-input.js';
import { garbageToSearch, overlongEntryToSearch, stallAfterAccept, startMisbehavingLdapServer, type MisbehavingLdapServer, type Script } from '../../support/misbehaving-ldap-server.js';
import { startSyncHarness, type SyncHarness } from '../../support/sync-harness.js';

let script: Script = stallAfterAccept;
let server: MisbehavingLdapServer;
let harness: SyncHarness;
let agent: RunningAgent;

beforeAll(async () => {
  server = await startMisbehavingLdapServer((request, reply, socket) => script(request, reply, socket));
  harness = await startSyncHarness('sqlite', { url: server.url, syncDn: 'cn=sync,dc=example,dc=test', syncPw: 'not-a-real-secret', suffix: 'dc=example,dc=test' });
  agent = await harness.agent({ timeouts: { connectMs: 500, requestMs: 500, operationMs: 500, watchProbeMs: 500 } });
  await agent.agent.connect();
});
afterAll(async () => {
  await harness?.close();
  await server?.stop();
});

describe('a stalled or garbled directory in status and troubleshooter', () => {
  it.each<[string, string, Script]>([
    ['accepts and stalls', 'DIR_TIMEOUT', stallAfterAccept],
    // The root DSE is read first, by ldapts, which waits for the rest of a message whose header it took from the garbage.
    ['answers with garbage', 'DIR_TIMEOUT', garbageToSearch],
    ['sends a crafted entry', 'DIR_PROTOCOL_ERROR', overlongEntryToSearch],
  ])('a server that %s fails the cycle quickly with %s, shown as the last cycle failing', async (_what, code, behaviour) => {
    script = behaviour;
    const started = Date.now();
    const result = await agent.agent.syncDirectory('full');
    expect(result?.outcome).toBe('failed');
    expect(result?.failure?.code, result?.failure?.message).toBe(code);
    expect(Date.now() - started).toBeLessThan(5_000);

    const input = await loadStatusInput(harness.repo, 5);
    const status = computeDirSyncStatus(input, new Date());
    expect(status.warnings.map((w) => w.code)).toContain('LAST_CYCLE_FAILED');
    expect(JSON.stringify(status)).toContain(code);
    const lastCycle = runTroubleshooter(input, new Date()).checks.find((c) => c.id === 'last_cycle');
    expect(lastCycle?.verdict).toBe('error');
    expect(lastCycle?.found).toContain(`(${code})`);
  });
});
