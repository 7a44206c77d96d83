/**
 * Request and response shapes of the credential lifecycle API: admin accounts, the signed-in
 * admin's own password and sessions, agent revocation and credential renewal, token revocation.
 */
import { z } from 'zod';
import type { AdminAccountView } from '../admin-accounts.js';

export type { AdminAccountView };

const role = z.enum(['global_admin', 'global_reader']);
const id = z.string().min(1).max(128);

/** POST /api/v1/auth/password */
export const changePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(12).max(1024),
}).strict();

/** POST /api/v1/admins: without a password one is generated and returned once. */
export const adminCreateRequest = z.object({
  username: z.string().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
  role: role.default('global_reader'),
  password: z.string().min(12).max(1024).optional(),
}).strict();

export interface AdminCreated extends AdminAccountView {
  /** The generated password, shown once (null when the creator chose one). */
  password: string | null;
}

/** PATCH /api/v1/admins */
export const adminPatchRequest = z.object({ id, disabled: z.boolean() }).strict();

/** DELETE /api/v1/admins, /agents, /registration-tokens */
export const idQuery = z.object({ id });

/** POST /api/v1/admins/reset-password */
export const adminResetRequest = z.object({ id }).strict();

export interface AdminPasswordReset {
  username: string;
  /** Shown once; must be changed at the next sign-in. */
  password: string;
}

/** POST /api/v1/agent/credential: the agent's renewed credential. */
export interface AgentCredentialRenewed {
  credential: string;
  expiresAt: string;
}
