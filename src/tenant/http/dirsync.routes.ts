/**
 * DirSync management: the status card and page, the troubleshooter, the settings a global admin
 * switches (audited with before/after), and the two deliberate actions: allow the deletes a
 * blocked cycle held back, and remove every synced password hash.
 */
import { z } from 'zod';
import { KDF_PRESETS, kdfPresetOf, type KdfPreset } from '../../passwords/index.js';
import { AppError } from '../../shared/errors.js';
import { passwordTraceQuery, settingsPatchRequest, type CyclePreview, type DirSyncStatus, type PasswordTrace, type TroubleshooterReport } from '../api/contract.js';
import { computeDirSyncStatus, pendingDeletesOf } from '../domain/status.js';
import { loadPasswordTraceInput, loadStatusInput } from '../status-input.js';
import { tracePasswordSync } from '../domain/password-trace.js';
import { runTroubleshooter } from '../domain/troubleshooter.js';
import type { PreviewRecord, TenantSettings } from '../store/ports.js';
import { adminOf } from './auth.plugin.js';
import type { TenantAppContext } from './context.js';
import { route, type RouteSpec } from './route.js';

/** The exact words an admin types to remove every synced password hash. */
export const CLEAR_VERIFIERS_CONFIRMATION = 'REMOVE ALL PASSWORD HASHES';
export const clearVerifiersRequest = z.object({ confirm: z.literal(CLEAR_VERIFIERS_CONFIRMATION) }).strict();


type SettingsView = TenantSettings & { kdfPreset: KdfPreset | null };

function withPreset(settings: TenantSettings): SettingsView {
  return { ...settings, kdfPreset: kdfPresetOf(settings.kdfParams) };
}

export function dirsyncRoutes(ctx: TenantAppContext): RouteSpec[] {
  const { repo, clock } = ctx;
  return [
    route({
      method: 'GET', url: '/api/v1/dirsync/status', tag: 'dirsync', auth: 'admin',
      summary: 'DirSync status: state, last directory and password sync, warnings (stale after three days), agents, objects in error.',
      handler: async (): Promise<DirSyncStatus> => computeDirSyncStatus(await loadStatusInput(repo, ctx.agentSilentAfterMinutes), clock.now()),
    }),
    route({
      method: 'GET', url: '/api/v1/troubleshooter', tag: 'dirsync', auth: 'admin',
      summary: 'Run the troubleshooter: each check with a verdict, what was found and what to do.',
      handler: async (): Promise<TroubleshooterReport> => runTroubleshooter(await loadStatusInput(repo, ctx.agentSilentAfterMinutes), clock.now()),
    }),
    route({
      method: 'POST', url: '/api/v1/dirsync/preview', tag: 'dirsync', auth: 'global_admin', status: 202,
      summary: 'Ask the active agent for a preview (dry run) of the next directory cycle: what it would add, update and delete. Audited.',
      handler: async ({ req }): Promise<CyclePreview> => {
        const admin = adminOf(req);
        const now = clock.now();
        await repo.requestPreview(admin.username, now);
        await repo.audit({ actor: admin.username, action: 'preview.requested', details: {}, at: now });
        return previewView(await repo.getPreview());
      },
    }),
    route({
      method: 'GET', url: '/api/v1/dirsync/preview', tag: 'dirsync', auth: 'admin',
      summary: 'The last preview of the next directory cycle: pending until the agent answers (it reads the settings at its next heartbeat).',
      handler: async (): Promise<CyclePreview> => previewView(await repo.getPreview()),
    }),
    route({
      method: 'GET', url: '/api/v1/troubleshooter/password-trace', tag: 'dirsync', auth: 'admin', query: passwordTraceQuery,
      summary: 'The per-user password sync trace: in scope, object synced, scheme, when the hash changed, when it was exported and acknowledged, the result and what to do. Never any hash material.',
      handler: async ({ query }): Promise<PasswordTrace> => tracePasswordSync(await loadPasswordTraceInput(repo, query.user), clock.now()),
    }),
    route({
      method: 'GET', url: '/api/v1/dirsync/settings', tag: 'dirsync', auth: 'admin',
      summary: 'The tenant sync settings, with the name of the KDF parameter set of new verifiers (kdfPreset; null for custom scrypt parameters).',
      handler: async (): Promise<SettingsView> => withPreset(await repo.getSettings()),
    }),
    route({
      method: 'PATCH', url: '/api/v1/dirsync/settings', tag: 'dirsync', auth: 'global_admin', body: settingsPatchRequest,
      summary: 'Change sync settings (password sync on/off, directory sync on/off, stale period, delete threshold); audited as settings.changed.',
      handler: async ({ body, req }): Promise<SettingsView> => {
        const admin = adminOf(req);
        const before = await repo.getSettings();
        const changedBefore: Record<string, unknown> = {};
        const changedAfter: Record<string, unknown> = {};
        const { kdfPreset, ...rest } = body;
        const patch: Partial<TenantSettings> = { ...rest, ...(kdfPreset ? { kdfParams: { ...KDF_PRESETS[kdfPreset] } } : {}) };
        for (const [key, value] of Object.entries(patch) as Array<[keyof TenantSettings, unknown]>) {
          if (value !== undefined && JSON.stringify(before[key]) !== JSON.stringify(value)) {
            changedBefore[key] = before[key];
            changedAfter[key] = value;
          }
        }
        if (Object.keys(changedAfter).length === 0) return withPreset(before);
        const after = await repo.updateSettings(changedAfter as Partial<TenantSettings>);
        await repo.audit({ actor: admin.username, action: 'settings.changed', details: { before: changedBefore, after: changedAfter }, at: clock.now() });
        req.log.info({ admin: admin.username, changed: Object.keys(changedAfter) }, 'settings changed');
        return withPreset(after);
      },
    }),
    route({
      method: 'POST', url: '/api/v1/dirsync/allow-deletes', tag: 'dirsync', auth: 'global_admin',
      summary: 'Allow, once, the deletes a directory cycle held back because they exceeded the threshold; audited.',
      handler: async ({ req }): Promise<{ allowedDeletes: number }> => {
        const admin = adminOf(req);
        const last = await repo.lastRun('directory');
        const pending = pendingDeletesOf(last);
        if (last?.outcome !== 'blocked' || pending === null) throw new AppError('NO_BLOCKED_DELETES');
        await repo.updateSettings({ allowedDeletes: pending });
        await repo.audit({ actor: admin.username, action: 'deletes.allowed', details: { allowedDeletes: pending, runId: last.id }, at: clock.now() });
        return { allowedDeletes: pending };
      },
    }),
    route({
      method: 'POST', url: '/api/v1/dirsync/clear-verifiers', tag: 'dirsync', auth: 'global_admin', body: clearVerifiersRequest,
      summary: `Remove every synced password hash (body { "confirm": "${CLEAR_VERIFIERS_CONFIRMATION}" }); audited.`,
      handler: async ({ req }): Promise<{ cleared: number }> => {
        const admin = adminOf(req);
        const cleared = await repo.clearAllVerifiers();
        await repo.audit({ actor: admin.username, action: 'verifiers.cleared', details: { users: cleared }, at: clock.now() });
        req.log.warn({ admin: admin.username, users: cleared }, 'all synced password hashes removed');
        return { cleared };
      },
    }),
  ];
}

function previewView(record: PreviewRecord | null): CyclePreview {
  if (!record) return { status: 'none', requestedAt: null, requestedBy: null, completedAt: null, result: null };
  return {
    status: record.completedAt ? 'ready' : 'pending',
    requestedAt: record.requestedAt.toISOString(),
    requestedBy: record.requestedBy,
    completedAt: record.completedAt?.toISOString() ?? null,
    result: record.result,
  };
}
