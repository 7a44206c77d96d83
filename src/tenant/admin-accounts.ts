/**
 * Admin accounts over their lifetime, shared by the admin API and the CLI so both obey the same
 * rules and write the same audit rows: create, disable/enable, remove, reset a password (a
 * generated one that must be changed at the next sign-in), change one's own password, and end
 * every session of an admin. The tenant always keeps one enabled global admin.
 */
import { hashAdminPassword, verifyAdminPassword, type AdminScryptParams } from '../passwords/index.js';
import { AppError } from '../shared/errors.js';
import { newSecret } from '../shared/ids.js';
import type { Role } from './api/contract.js';
import type { AdminRecord, TenantRepository } from './store/ports.js';

export const MIN_ADMIN_PASSWORD_LENGTH = 12;

export interface AdminAccountView {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  disabledAt: string | null;
  mustChangePassword: boolean;
}

export function toAdminAccountView(admin: AdminRecord): AdminAccountView {
  return {
    id: admin.id, username: admin.username, role: admin.role, createdAt: admin.createdAt.toISOString(),
    disabledAt: admin.disabledAt?.toISOString() ?? null, mustChangePassword: admin.mustChangePassword,
  };
}

/** A generated admin password: 120 random bits, typeable. */
export const generateAdminPassword = (): string => newSecret(15);

function checkPasswordLength(password: string): void {
  if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    throw new AppError('REQUEST_INVALID', { message: `The password must have at least ${MIN_ADMIN_PASSWORD_LENGTH} characters.`, details: { in: 'body', fields: ['password'] }, params: { form: 'passwordTooShort', fields: 'password', min: MIN_ADMIN_PASSWORD_LENGTH } });
  }
}

async function requireAdmin(repo: TenantRepository, id: string): Promise<AdminRecord> {
  const admin = await repo.findAdminById(id);
  if (!admin) throw new AppError('NOT_FOUND', { message: `No admin with id ${id} exists.`, details: { id }, params: { form: 'admin', id } });
  return admin;
}

export async function findAdminByIdOrName(repo: TenantRepository, idOrName: string): Promise<AdminRecord> {
  const admin = (await repo.findAdminByUsername(idOrName)) ?? (await repo.findAdminById(idOrName));
  if (!admin) throw new AppError('NOT_FOUND', { message: `No admin named ${idOrName} exists.`, details: { admin: idOrName }, params: { form: 'adminName', id: idOrName } });
  return admin;
}

/** Refuses a change that would leave no enabled global admin. */
async function keepOneGlobalAdmin(repo: TenantRepository, target: AdminRecord): Promise<void> {
  if (target.role !== 'global_admin' || target.disabledAt) return;
  const others = (await repo.listAdmins()).filter((admin) => admin.id !== target.id && admin.role === 'global_admin' && !admin.disabledAt);
  if (others.length === 0) throw new AppError('LAST_GLOBAL_ADMIN', { details: { username: target.username } });
}

/** Creates an admin who must choose a new password at the first sign-in; returns the password when it was generated. */
export async function createAdminAccount(repo: TenantRepository, input: { username: string; role: Role; password?: string | undefined }, actor: string, now: Date, kdf?: AdminScryptParams): Promise<{ admin: AdminRecord; generatedPassword: string | null }> {
  if (input.password !== undefined) checkPasswordLength(input.password);
  const password = input.password ?? generateAdminPassword();
  if (await repo.findAdminByUsername(input.username)) throw new AppError('ADMIN_EXISTS', { message: `An admin named ${input.username} already exists.`, details: { username: input.username }, params: { username: input.username } });
  // Whoever chose the password knows it: the new admin replaces it at the first sign-in.
  const admin = await repo.createAdmin({ username: input.username, role: input.role, passwordHash: await hashAdminPassword(password, kdf), mustChangePassword: true });
  await repo.audit({ actor, action: 'admin.created', details: { username: admin.username, role: admin.role }, at: now });
  return { admin, generatedPassword: input.password === undefined ? password : null };
}

export async function setAdminDisabled(repo: TenantRepository, id: string, disabled: boolean, actor: string, now: Date): Promise<AdminRecord> {
  const admin = await requireAdmin(repo, id);
  if (disabled && !admin.disabledAt) await keepOneGlobalAdmin(repo, admin);
  await repo.updateAdmin(id, { disabledAt: disabled ? (admin.disabledAt ?? now) : null });
  // A disabled admin's sessions end now, not at their expiry.
  if (disabled) await repo.deleteSessionsOf(id);
  await repo.audit({ actor, action: disabled ? 'admin.disabled' : 'admin.enabled', details: { username: admin.username }, at: now });
  return requireAdmin(repo, id);
}

export async function removeAdminAccount(repo: TenantRepository, id: string, actor: string, now: Date): Promise<AdminRecord> {
  const admin = await requireAdmin(repo, id);
  await keepOneGlobalAdmin(repo, admin);
  await repo.deleteAdmin(id);
  await repo.audit({ actor, action: 'admin.removed', details: { username: admin.username, role: admin.role }, at: now });
  return admin;
}

/** A new generated password, to be changed at the next sign-in; every session of the admin ends. */
export async function resetAdminPassword(repo: TenantRepository, id: string, actor: string, now: Date, kdf?: AdminScryptParams): Promise<{ admin: AdminRecord; password: string }> {
  const admin = await requireAdmin(repo, id);
  const password = generateAdminPassword();
  await repo.updateAdmin(id, { passwordHash: await hashAdminPassword(password, kdf), mustChangePassword: true });
  await repo.deleteSessionsOf(id);
  await repo.audit({ actor, action: 'admin.password_reset', details: { username: admin.username }, at: now });
  return { admin, password };
}

/** The admin's own change: the current password proves it is them; other sessions end. */
export async function changeOwnPassword(repo: TenantRepository, id: string, input: { currentPassword: string; newPassword: string; keepSessionIdHash: string }, now: Date, kdf?: AdminScryptParams): Promise<void> {
  const admin = await requireAdmin(repo, id);
  checkPasswordLength(input.newPassword);
  if (!(await verifyAdminPassword(input.currentPassword, admin.passwordHash))) throw new AppError('ADMIN_PASSWORD_WRONG');
  if (input.newPassword === input.currentPassword) {
    throw new AppError('REQUEST_INVALID', { message: 'The new password must differ from the current one.', details: { in: 'body', fields: ['newPassword'] }, params: { form: 'samePassword', fields: 'newPassword' } });
  }
  await repo.updateAdmin(id, { passwordHash: await hashAdminPassword(input.newPassword, kdf), mustChangePassword: false });
  const ended = await repo.deleteSessionsOf(id, input.keepSessionIdHash);
  await repo.audit({ actor: admin.username, action: 'admin.password_changed', details: { otherSessionsEnded: ended }, at: now });
}

export async function signOutEverywhere(repo: TenantRepository, admin: { id: string; username: string }, now: Date): Promise<number> {
  const ended = await repo.deleteSessionsOf(admin.id);
  await repo.audit({ actor: admin.username, action: 'admin.signed_out_everywhere', details: { sessionsEnded: ended }, at: now });
  return ended;
}
