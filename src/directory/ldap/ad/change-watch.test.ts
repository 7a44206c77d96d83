/**
 * The AD change watch against scripted LDAP servers: a DC that refuses change notifications (the
 * USN poll takes over, and says so), one that floods notifications (coalesced), one that drops
 * or garbles the notification session (restarted with backoff, reported, never silent).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { afterBind, OP, startMisbehavingLdapServer, type LdapRequest, type MisbehavingLdapServer } from '../../../../test/support/misbehaving-ldap-server.js';
import { eventually } from '../../../../test/support/all-in-one.js';
import { extendedResponseMessage, searchDoneMessage, searchEntryMessage } from '../ber-fixtures.js';
import type { LdapSourceConfig } from '../ldap-config.js';
import { createLdapSource } from '../ldap-source.js';
import { NOTIFICATION_OID } from './change-notification.js';
import { coalesce, startAdChangeWatch, type AdWatchState } from './change-watch.js';

const NC = 'DC=ad,DC=test';
const isNotification = (request: LdapRequest) => request.op === OP.search && request.bytes.includes(Buffer.from(NOTIFICATION_OID));

/** A DC's root DSE (highestCommittedUSN from `usn()`); notification searches go to `notify`. */
function fakeDc(usn: () => number, notify: (request: LdapRequest, reply: (bytes: Buffer) => void, socket: import('node:net').Socket) => void) {
  return afterBind((request, reply, socket) => {
    if (isNotification(request)) return notify(request, reply, socket);
    if (request.op === OP.extended) return reply(extendedResponseMessage(request.messageId, 0));
    if (request.op !== OP.search) return;
    reply(searchEntryMessage('', [
      ['highestCommittedUSN', [Buffer.from(String(usn()))]],
      ['defaultNamingContext', [Buffer.from(NC)]],
      ['dsServiceName', [Buffer.from(`CN=NTDS Settings,CN=DC1,${NC}`)]],
    ], request.messageId));
    reply(searchDoneMessage(request.messageId));
  });
}

let server: MisbehavingLdapServer | undefined;
let stop: (() => void) | undefined;

afterEach(async () => {
  stop?.();
  stop = undefined;
  await server?.stop();
  server = undefined;
});

function config(url: string, extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig {
  return { url, flavor: 'ad', bindDn: 'sync@ad.test', bindPassword: 'x', baseDns: [NC], timeouts: { connectMs: 2_000, requestMs: 1_000, operationMs: 2_000, watchProbeMs: 60_000 }, ...extra };
}

describe('AD change watch', () => {
  it('falls back to the USN poll when the DC refuses the control, and says so in the log and the description', async () => {
    let usn = 100;
    server = await startMisbehavingLdapServer(fakeDc(() => usn, (request, reply) => reply(searchDoneMessage(request.messageId, { resultCode: 12 }))));
    const warnings: string[] = [];
    const source = createLdapSource(config(server.url, { changePollMs: 100 }), { warn: (m) => warnings.push(m) });
    const changes: number[] = [];
    const errors: unknown[] = [];
    stop = source.watch!(() => changes.push(Date.now()), (e) => errors.push(e));
    await eventually(async () => source.description.includes('refused'), 5_000, 'the refusal');
    expect(source.description).toBe(`${server.url} (ad; change watch: USN poll every 0.1 s (change notifications refused: LDAP result 12, unavailableCriticalExtension (the control is not supported)))`);
    expect(warnings.join('\n')).toMatch(/refused change notifications \(LDAP result 12.*\); changes are found by the USN poll every 0.1 s/);
    // The poll delivers.
    await new Promise((r) => setTimeout(r, 300));
    expect(changes).toHaveLength(0);
    usn = 101;
    await eventually(async () => changes.length === 1, 2_000, 'the poll noticing the change');
    expect(errors).toEqual([]);
    // Refused once is said once: the search is not asked for again until the refusal retry.
    expect(server.received.filter(isNotification)).toHaveLength(1);
    await source.close();
  });

  it('asks for notifications again after a refusal, and switches to them when accepted', async () => {
    let refuse = true;
    server = await startMisbehavingLdapServer(fakeDc(() => 1, (request, reply) => {
      if (refuse) reply(searchDoneMessage(request.messageId, { resultCode: 11 }));
    }));
    const states: AdWatchState[] = [];
    stop = startAdChangeWatch({
      config: config(server.url), logger: { warn: () => undefined }, namingContext: async () => NC, changeMark: async () => '1', pollMs: 60_000,
      onChange: () => undefined, onError: () => undefined, onState: (s) => states.push(s), notification: { refusedRetryMs: 200 },
    });
    await eventually(async () => states.some((s) => s.summary.includes('adminLimitExceeded')), 5_000, 'the refusal');
    refuse = false;
    await eventually(async () => states.at(-1)?.mode === 'notifications', 5_000, 'notifications accepted');
  });

  it('coalesces a flood of notifications into a few changes', async () => {
    server = await startMisbehavingLdapServer(fakeDc(() => 1, (request, reply) => {
      // Accepted; then 20,000 notifications at once, and 20,000 more a little later.
      const burst = () => {
        const entries: Buffer[] = [];
        for (let i = 0; i < 20_000; i++) entries.push(searchEntryMessage(`CN=u${i},${NC}`, [['uSNChanged', [Buffer.from(String(i))]]], request.messageId));
        reply(Buffer.concat(entries));
      };
      setTimeout(burst, 100);
      setTimeout(burst, 400);
    }));
    const changes: number[] = [];
    const errors: unknown[] = [];
    stop = startAdChangeWatch({
      config: config(server.url), logger: { warn: () => undefined }, namingContext: async () => NC, changeMark: async () => '1', pollMs: 60_000,
      onChange: () => changes.push(Date.now()), onError: (e) => errors.push(e), coalesceMs: 200,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(errors).toEqual([]);
    // 40,000 notifications over ~0.4 s: at most one call per 200 ms (plus the first).
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes.length).toBeLessThanOrEqual(4);
  });

  it('keeps the poll quiet for a change a notification announced, and lets it speak for one that was not', async () => {
    let usn = 1;
    let notify: (() => void) | undefined;
    server = await startMisbehavingLdapServer(fakeDc(() => usn, (request, reply) => {
      notify = () => reply(searchEntryMessage(`CN=u,${NC}`, [['uSNChanged', [Buffer.from(String(usn))]]], request.messageId));
    }));
    const changes: number[] = [];
    const source = createLdapSource(config(server.url, { changePollMs: 100 }), { warn: () => undefined });
    stop = source.watch!(() => changes.push(Date.now()), () => undefined);
    await eventually(async () => notify !== undefined && source.description.includes('change notifications,'), 5_000, 'notifications accepted');
    await new Promise((r) => setTimeout(r, 300));
    usn = 2;
    notify!();
    await new Promise((r) => setTimeout(r, 600));
    expect(changes).toHaveLength(1);
    // A change the DC did not notify (Samba: a write outside its LDAP server, before its re-run).
    usn = 3;
    await eventually(async () => changes.length === 2, 2_000, 'the poll noticing it');
    await source.close();
  });

  it('restarts a session the DC drops or garbles, with backoff, and reports DIR_WATCH_FAILING when it keeps failing', async () => {
    let attempts = 0;
    server = await startMisbehavingLdapServer(fakeDc(() => 1, (request, reply, socket) => {
      attempts++;
      // Every other session: a reset, or an entry whose DN claims more bytes than the entry holds.
      if (attempts % 2 === 1) socket.resetAndDestroy();
      else {
        const entry = Buffer.from('30070201056402047f', 'hex');
        entry[4] = request.messageId & 0x7f;
        reply(entry);
      }
    }));
    const errors: Array<{ code?: string; message: string }> = [];
    const states: AdWatchState[] = [];
    stop = startAdChangeWatch({
      config: config(server.url), logger: { warn: () => undefined }, namingContext: async () => NC, changeMark: async () => '1', pollMs: 60_000,
      onChange: () => undefined, onError: (e) => errors.push(e as { code?: string; message: string }), onState: (s) => states.push(s), notification: { backoffMs: [20, 40] },
    });
    await eventually(async () => errors.length >= 7, 10_000, 'seven failures');
    const codes = errors.map((e) => e.code);
    expect(codes.slice(0, 4)).toEqual(expect.arrayContaining(['DIR_UNREACHABLE', 'DIR_PROTOCOL_ERROR']));
    expect(codes.slice(4)).toEqual(codes.slice(4).map(() => 'DIR_WATCH_FAILING'));
    expect(errors[5]?.message).toMatch(/failed 6 times in a row .*USN poll every 1 min/);
    expect(states.at(-1)).toEqual({ mode: 'poll', summary: 'USN poll every 1 min (change notifications reconnecting)' });
    // Never stops trying.
    const seen = attempts;
    await eventually(async () => attempts > seen + 2, 5_000, 'more attempts');
  }, 20_000);

  it('announces once when a dropped session is back, for what changed meanwhile', async () => {
    let sessions = 0;
    server = await startMisbehavingLdapServer(fakeDc(() => 1, (_request, _reply, socket) => {
      sessions++;
      if (sessions === 1) setTimeout(() => socket.destroy(), 100);
    }));
    const changes: number[] = [];
    stop = startAdChangeWatch({
      config: config(server.url), logger: { warn: () => undefined }, namingContext: async () => NC, changeMark: async () => '1', pollMs: 60_000,
      onChange: () => changes.push(Date.now()), onError: () => undefined, notification: { backoffMs: [20] },
    });
    await eventually(async () => sessions === 2 && changes.length === 1, 5_000, 'the second session and one change');
  });
});

describe('AD change watch on hostile bytes', () => {
  it('answers random and mutated notification messages with changes or a reported error, never a hang or a throw', async () => {
    let next: Buffer = Buffer.alloc(0);
    server = await startMisbehavingLdapServer(fakeDc(() => 1, (request, reply) => {
      // The bytes under test, with the search's message id where a well-formed entry has it.
      const bytes = Buffer.from(next);
      if (bytes.length > 4 && bytes[0] === 0x30 && bytes[2] === 0x02 && bytes[3] === 0x01) bytes[4] = request.messageId & 0x7f;
      reply(bytes);
    }));
    const entry = searchEntryMessage(`CN=u,${NC}`, [['uSNChanged', [Buffer.from('7')]]], 1);
    const samples = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.nat({ max: entry.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
        const b = Buffer.from(entry);
        b[at] = value;
        return b;
      }),
      fc.nat({ max: entry.length - 1 }).map((cut) => entry.subarray(0, cut)),
    );
    await fc.assert(
      fc.asyncProperty(samples, async (bytes) => {
        next = bytes;
        const outcomes: string[] = [];
        const halt = startAdChangeWatch({
          config: config(server!.url, { timeouts: { connectMs: 1_000, requestMs: 300, operationMs: 1_000, watchProbeMs: 60_000 } }),
          logger: { warn: () => undefined }, namingContext: async () => NC, changeMark: async () => '1', pollMs: 60_000,
          onChange: () => outcomes.push('change'), onError: (e) => outcomes.push(`error ${(e as { code?: string }).code}`),
          onState: (s) => outcomes.push(s.mode), notification: { backoffMs: [60_000], refusedRetryMs: 60_000 },
        });
        try {
          // Within the request timeout the session is accepted, refused, or failed with a code.
          await eventually(async () => outcomes.some((o) => o === 'notifications' || o === 'poll' || o.startsWith('error')), 3_000, 'an outcome');
          expect(outcomes.filter((o) => o.startsWith('error')).every((o) => /^error DIR_[A-Z_]+$/.test(o))).toBe(true);
        } finally {
          halt();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('coalesce', () => {
  it('calls at once, then at most once per gap however often it is asked', () => {
    vi.useFakeTimers();
    try {
      const run = vi.fn();
      const c = coalesce(run, 100);
      c.call();
      expect(run).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 10_000; i++) c.call();
      expect(run).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(100);
      expect(run).toHaveBeenCalledTimes(2);
      vi.advanceTimersByTime(1_000);
      expect(run).toHaveBeenCalledTimes(2);
      c.call();
      expect(run).toHaveBeenCalledTimes(3);
      c.call();
      c.cancel();
      vi.advanceTimersByTime(1_000);
      expect(run).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
