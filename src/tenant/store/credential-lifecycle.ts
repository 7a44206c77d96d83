/**
 * Store side of the credential lifecycle: admins (list, disable, remove, password), sessions
 * (sign out everywhere, activity for the idle timeout), agent revocation and credential rotation,
 * registration token revocation. Every statement filters on the tenant first.
 */
import type { AdminRecord } from './ports.js';
import type { RepoContext } from './repo-context.js';
import { toAdmin } from './tenant-repository.js';

export async function listAdmins(ctx: RepoContext): Promise<AdminRecord[]> {
  const rows = await ctx.db.selectFrom('admins').selectAll().where('tenant_id', '=', ctx.tenantId).orderBy('username_lower').execute();
  return rows.map(toAdmin);
}

export async function updateAdmin(ctx: RepoContext, id: string, patch: { disabledAt?: Date | null; passwordHash?: string; mustChangePassword?: boolean }): Promise<boolean> {
  const set: { disabled_at?: number | null; password_hash?: string; must_change_password?: number } = {};
  if (patch.disabledAt !== undefined) set.disabled_at = patch.disabledAt === null ? null : patch.disabledAt.getTime();
  if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
  if (patch.mustChangePassword !== undefined) set.must_change_password = patch.mustChangePassword ? 1 : 0;
  if (Object.keys(set).length === 0) return (await ctx.db.selectFrom('admins').select('id').where('tenant_id', '=', ctx.tenantId).where('id', '=', id).executeTakeFirst()) !== undefined;
  const result = await ctx.db.updateTable('admins').set(set).where('tenant_id', '=', ctx.tenantId).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteAdmin(ctx: RepoContext, id: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('tenant_id', '=', ctx.tenantId).where('admin_id', '=', id).execute();
    const result = await trx.deleteFrom('admins').where('tenant_id', '=', ctx.tenantId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}

export async function deleteSessionsOf(ctx: RepoContext, adminId: string, keepIdHash?: string): Promise<number> {
  let query = ctx.db.deleteFrom('sessions').where('tenant_id', '=', ctx.tenantId).where('admin_id', '=', adminId);
  if (keepIdHash !== undefined) query = query.where('id_hash', '!=', keepIdHash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function touchSession(ctx: RepoContext, idHash: string, at: Date): Promise<void> {
  await ctx.db.updateTable('sessions').set({ last_seen_at: at.getTime() })
    .where('tenant_id', '=', ctx.tenantId).where('id_hash', '=', idHash).execute();
}

export async function revokeRegistrationToken(ctx: RepoContext, id: string, at: Date): Promise<boolean> {
  const result = await ctx.db.updateTable('registration_tokens').set({ revoked_at: at.getTime() })
    .where('tenant_id', '=', ctx.tenantId).where('id', '=', id).where('used_at', 'is', null).where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function revokeAgent(ctx: RepoContext, id: string, at: Date): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('agents').set({ revoked_at: at.getTime(), previous_credential_hash: null, previous_credential_expires_at: null })
      .where('tenant_id', '=', ctx.tenantId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    // A revoked agent must not keep the active lease: a standby takes over at once.
    await trx.deleteFrom('agent_lease').where('tenant_id', '=', ctx.tenantId).where('agent_id', '=', id).execute();
    return result.numUpdatedRows > 0n;
  });
}

export async function rotateAgentCredential(ctx: RepoContext, id: string, expectedHash: string, next: { credentialHash: string; expiresAt: Date; previousExpiresAt: Date }): Promise<boolean> {
  const result = await ctx.db.updateTable('agents').set({
    credential_hash: next.credentialHash,
    credential_expires_at: next.expiresAt.getTime(),
    previous_credential_hash: expectedHash,
    previous_credential_expires_at: next.previousExpiresAt.getTime(),
  }).where('tenant_id', '=', ctx.tenantId).where('id', '=', id).where('credential_hash', '=', expectedHash).where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
