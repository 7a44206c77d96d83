import { describe, expect, it } from 'vitest';
import type { StatusWarning, WarningCode } from '../api/contract.js';
import { alertMessage, MAX_DELIVERY_ATTEMPTS, planAlerts, retryDelayMs, type OpenAlert } from './alerts.js';

const warn = (code: WarningCode, message = `${code} message`): StatusWarning => ({ code, message, troubleshooterUrl: '/troubleshooter' });
const open = (code: WarningCode, lastNotifiedAt: string): OpenAlert => ({ code, raisedAt: new Date(lastNotifiedAt), lastNotifiedAt: new Date(lastNotifiedAt), message: `${code} message` });
const now = new Date('2026-12-02T12:00:00Z');

describe('planAlerts', () => {
  it.each<[string, StatusWarning[], OpenAlert[], Array<[string, WarningCode]>]>([
    ['raises an alerting warning not open yet', [warn('AGENT_SILENT')], [], [['raised', 'AGENT_SILENT']]],
    ['ignores warnings that do not page anyone', [warn('OBJECTS_IN_ERROR'), warn('DIRECTORY_SYNC_NEVER_RAN'), warn('NO_AGENT')], [], []],
    ['stays quiet while an open alert is recent', [warn('LAST_CYCLE_FAILED')], [open('LAST_CYCLE_FAILED', '2026-12-02T11:00:00Z')], []],
    ['reminds after the repeat period', [warn('LAST_CYCLE_FAILED')], [open('LAST_CYCLE_FAILED', '2026-12-01T12:00:00Z')], [['reminder', 'LAST_CYCLE_FAILED']]],
    ['resolves an open alert whose warning is gone', [], [open('DELETE_THRESHOLD_EXCEEDED', '2026-12-02T11:00:00Z')], [['resolved', 'DELETE_THRESHOLD_EXCEEDED']]],
    ['raises one per code though the status repeats it', [warn('LAST_CYCLE_FAILED', 'directory'), warn('LAST_CYCLE_FAILED', 'password')], [], [['raised', 'LAST_CYCLE_FAILED']]],
    ['handles all at once', [warn('DIRECTORY_SYNC_STALE'), warn('PASSWORD_SYNC_STALE')], [open('AGENT_SILENT', '2026-12-02T11:00:00Z'), open('PASSWORD_SYNC_STALE', '2026-12-02T11:59:00Z')],
      [['raised', 'DIRECTORY_SYNC_STALE'], ['resolved', 'AGENT_SILENT']]],
  ])('%s', (_, warnings, openAlerts, expected) => {
    expect(planAlerts(warnings, openAlerts, now, 24).map((n) => [n.event, n.code])).toEqual(expected);
  });

  it('a reminder carries the notification time it replaces (the store sends it only if unchanged)', () => {
    const [notice] = planAlerts([warn('AGENT_SILENT')], [open('AGENT_SILENT', '2026-11-30T00:00:00Z')], now, 24);
    expect(notice?.previousNotifiedAt?.toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('never reminds with a repeat period of 0', () => {
    expect(planAlerts([warn('AGENT_SILENT')], [open('AGENT_SILENT', '2020-01-01T00:00:00Z')], now, 0)).toEqual([]);
  });
});

describe('alert deliveries', () => {
  it('retry after 1, 2, 4 ... minutes, at most an hour', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((a) => retryDelayMs(a) / 60_000)).toEqual([1, 2, 4, 8, 60, 60, 60]);
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThan(3);
  });

  it('say what happened, where to look and link the troubleshooter', () => {
    const m = alertMessage({ event: 'raised', code: 'AGENT_SILENT', message: 'No agent has sent a heartbeat for more than 5 minutes.' }, 'default', now, 'https://dirbridge.example.org/');
    expect(m.subject).toBe('[dirbridge default] Warning: No agent has sent a heartbeat for more than 5 minutes.');
    expect(m.text).toContain('https://dirbridge.example.org/troubleshooter');
    expect(m.payload).toMatchObject({ event: 'raised', code: 'AGENT_SILENT', tenant: 'default', troubleshooterUrl: 'https://dirbridge.example.org/troubleshooter' });
    expect(alertMessage({ event: 'resolved', code: 'AGENT_SILENT', message: 'x' }, 'default', now, null).subject).toContain('Resolved');
  });
});
