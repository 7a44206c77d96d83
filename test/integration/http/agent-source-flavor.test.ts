/**
 * The agent reports the kind of directory it reads as a validated heartbeat field, and the
 * password trace takes the hash path from it, never from the free-text source description.
 * Agents that do not send the field (earlier versions) still heartbeat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasswordTrace } from '../../../src/tenant/api/contract.js';
import { startHarness, userChange, type Dialect, type Harness } from './harness.js';

for (const dialect of ['sqlite', 'postgres'] as Dialect[]) {
  describe(`agent source flavor on ${dialect}`, () => {
    let h: Harness;
    let credential: string;

    beforeAll(async () => {
      h = await startHarness(dialect);
      ({ credential } = await h.registerAgent());
      const changes = [userChange('anchor-carol', 'carol@example.test')];
      expect((await h.agent(credential, 'POST', '/api/v1/agent/batches/objects', { batchId: 'batch-users-001', changes })).statusCode).toBe(200);
    }, 60_000);
    afterAll(async () => { await h?.close(); });

    const beat = (extra: Record<string, unknown>) => h.agent(credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc1.example.test', version: '0.1.0', ...extra });
    const schemeStep = async () => {
      const root = await h.rootSession();
      const trace = (await h.admin(root, 'GET', '/api/v1/troubleshooter/password-trace?user=carol%40example.test')).json() as PasswordTrace;
      return trace.steps.find((s) => s.id === 'scheme')!;
    };

    it('takes the MS-DRSR path from sourceFlavor "ad", whatever the description says', async () => {
      expect((await beat({ source: 'ldaps://dc1.example.test:636 (domain controller)', sourceFlavor: 'ad' })).statusCode).toBe(200);
      expect((await h.repo.listAgents())[0]).toMatchObject({ sourceFlavor: 'ad' });
      expect((await schemeStep()).params).toMatchObject({ path: 'ms-drsr' });
    });

    it('does not take "(ad)" in a description for an AD source (an LDIF file may be named so)', async () => {
      expect((await beat({ source: 'ldif:/srv/exports/staff (ad).ldif', sourceFlavor: 'ldif' })).statusCode).toBe(200);
      expect((await h.repo.listAgents())[0]).toMatchObject({ sourceFlavor: 'ldif' });
      const step = await schemeStep();
      expect(step.params['path']).toBeUndefined();
      expect(step.found).not.toMatch(/MS-DRSR/);
    });

    it('refuses a flavor it does not know, and keeps what it knew', async () => {
      const response = await beat({ source: 'ldap://nds.example.test (novell)', sourceFlavor: 'novell' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('REQUEST_INVALID');
      expect((await h.repo.listAgents())[0]).toMatchObject({ sourceFlavor: 'ldif' });
    });

    it('accepts a heartbeat without the field (an earlier agent) and keeps the flavor it knows', async () => {
      expect((await beat({ source: 'ldap://dc1.example.test:389 (openldap)' })).statusCode).toBe(200);
      expect((await h.repo.listAgents())[0]).toMatchObject({ source: 'ldap://dc1.example.test:389 (openldap)', sourceFlavor: 'ldif' });
    });

    it('names no path when no agent reported a flavor', async () => {
      const other = await h.registerAgent('dc2.example.test');
      // The most recently heard agent reported none.
      h.clock.advance(1000);
      expect((await h.agent(other.credential, 'POST', '/api/v1/agent/heartbeat', { host: 'dc2.example.test', version: '0.0.9', source: 'ldaps://dc2.example.test:636 (ad)' })).statusCode).toBe(200);
      const step = await schemeStep();
      expect(step.params['path']).toBeUndefined();
    });
  });
}
