import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLdapSource, type LdapSourceConfig } from '../../../src/directory/ldap/ldap-source.js';
import type { DirectorySource } from '../../../src/sync/ports.js';
import { startSlapd, type Slapd } from '../../support/slapd.js';
import { directoryLdif, person, SUFFIX } from './directory-fixture.js';

let slapd: Slapd;
const logger = { warn: () => undefined };

function config(extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url: slapd.url, bindDn: slapd.syncDn, bindPassword: slapd.syncPw, baseDns: [SUFFIX], flavor: 'openldap', ...extra };
}

/** Watches and records when onChange fires. */
function watching(source: DirectorySource): { events: number[]; errors: unknown[]; stop: () => void; next: (afterCount: number, timeoutMs?: number) => Promise<number> } {
  const events: number[] = [];
  const errors: unknown[] = [];
  const waiters: Array<() => void> = [];
  const stop = source.watch!(
    () => {
      events.push(Date.now());
      waiters.splice(0).forEach((w) => w());
    },
    (error) => errors.push(error),
  );
  // The timeout is a ceiling for a loaded CI machine, not a wait: a notification ends it at once.
  const next = async (afterCount: number, timeoutMs = 30_000): Promise<number> => {
    const started = Date.now();
    while (events.length <= afterCount) {
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) throw new Error(`no change notification within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return (events[afterCount] as number) - started;
  };
  return { events, errors, stop, next };
}

async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

beforeAll(async () => {
  slapd = await startSlapd({ ldif: directoryLdif(20) });
});
afterAll(async () => {
  await slapd?.stop();
});

describe('LDAP source: watch (RFC 4533 refreshAndPersist)', () => {
  it('calls onChange within 1 s of an ldapmodify, an add, a rename and a delete; not for the initial content', async () => {
    const source = createLdapSource(config(), logger);
    const w = watching(source);
    await settle();
    expect(w.events).toHaveLength(0);

    slapd.modify(`dn: uid=user001,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: one@example.test\n`);
    console.log(`change notified in ${await w.next(0)} ms`);
    slapd.add(person('watched', 'people'));
    await w.next(1);
    slapd.modify(`dn: uid=watched,ou=people,${SUFFIX}\nchangetype: modrdn\nnewrdn: uid=watched2\ndeleteoldrdn: 1\n`);
    await w.next(2);
    slapd.delete(`uid=watched2,ou=people,${SUFFIX}`);
    await w.next(3);
    expect(w.errors).toEqual([]);
    w.stop();
    await source.close();
  });

  it('ignores changes outside the scope', async () => {
    const source = createLdapSource(config({ baseDns: [`ou=staff,${SUFFIX}`] }), logger);
    const w = watching(source);
    await settle();
    slapd.modify(`dn: uid=user002,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: two@example.test\n`);
    await settle(400);
    expect(w.events).toHaveLength(0);
    slapd.modify(`dn: uid=sam,ou=staff,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: sam2@example.test\n`);
    await w.next(0);
    w.stop();
  });

  it('reconnects after a server restart and reports what changed meanwhile', async () => {
    const source = createLdapSource(config(), logger);
    const w = watching(source);
    await settle();
    await slapd.restart();
    slapd.modify(`dn: uid=user003,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: three@example.test\n`);
    // Either the refresh after reconnecting or the persist phase reports it.
    await w.next(0, 30_000);
    expect(w.errors.length).toBeGreaterThanOrEqual(1);
    expect(w.errors.every((e) => (e as { code?: string }).code === 'DIR_UNREACHABLE')).toBe(true);
    const seen = w.events.length;
    slapd.modify(`dn: uid=user003,ou=people,${SUFFIX}\nchangetype: modify\nreplace: mail\nmail: three-again@example.test\n`);
    await w.next(seen, 30_000);
    w.stop();
  });

  it('reports a wrong password through onError with DIR_BIND_FAILED, and stop() ends the retries', async () => {
    const source = createLdapSource(config({ bindPassword: 'wrong' }), logger);
    const w = watching(source);
    await settle(400);
    expect(w.errors.length).toBeGreaterThanOrEqual(1);
    expect((w.errors[0] as { code?: string }).code).toBe('DIR_BIND_FAILED');
    w.stop();
    const count = w.errors.length;
    await settle(800);
    expect(w.errors.length).toBe(count);
  });
});
