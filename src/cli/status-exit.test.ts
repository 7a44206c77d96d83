import { describe, expect, it } from 'vitest';
import type { StatusWarning, WarningCode } from '../tenant/api/contract.js';
import { statusExitCode } from './status-exit.js';
import { localTimesIn } from './time-format.js';

const w = (code: WarningCode): StatusWarning => ({ code, message: code, troubleshooterUrl: '/troubleshoot' });

describe('status exit code (monitoring convention)', () => {
  it('is 0 when healthy, 1 on a warning, 2 when sync is not happening', () => {
    expect(statusExitCode({ state: 'healthy', warnings: [] })).toBe(0);
    expect(statusExitCode({ state: 'warning', warnings: [w('OBJECTS_IN_ERROR')] })).toBe(1);
    expect(statusExitCode({ state: 'warning', warnings: [w('TLS_VERIFICATION_DISABLED'), w('AGENT_SILENT')] })).toBe(2);
    expect(statusExitCode({ state: 'never_synced', warnings: [w('DIRECTORY_SYNC_NEVER_RAN')] })).toBe(2);
    expect(statusExitCode({ state: 'never_synced', warnings: [] })).toBe(1);
  });
});

describe('local times in text', () => {
  it('replaces every ISO time in a message and leaves the rest', () => {
    const text = localTimesIn('The last full sync cycle finished at 2026-12-02T04:05:06.789Z (success); next 2026-12-02T05:00:00Z.');
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(text).toMatch(/^The last full sync cycle finished at \d{1,2} Dec 2026, \d\d:\d\d:\d\d \(success\); next \d{1,2} Dec 2026, \d\d:\d\d:\d\d\.$/);
  });
});
