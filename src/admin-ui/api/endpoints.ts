import type {
  AdminSession,
  AgentView,
  AuditEntry,
  DirSyncStatus,
  GroupView,
  Page,
  RegistrationTokenCreated,
  RegistrationTokenView,
  PasswordTrace,
  CyclePreview,
  SyncErrorView,
  TroubleshooterReport,
  UserView,
} from '../../tenant/api/contract.js';
import type { PendingDeletesView, SyncMode, SyncNowView } from '../../tenant/api/dirsync-manage-contract.js';
import type { AdminAccountView, AdminCreated, AdminPasswordReset } from '../../tenant/api/credentials-contract.js';
import type { GroupDetail, GroupMemberView, SyncHistory, UserDetail } from '../../tenant/api/detail-contract.js';
import { apiRequest, withQuery } from './client.js';

/** The admin API, typed from the contract (types only: no zod in the browser). */
export interface PageQuery {
  page: number;
  pageSize: number;
  search?: string;
}

/** GET /api/v1/registration-tokens: never the token itself. */

const API = '/api/v1';

/** The exact words an admin types to remove every synced password hash (the tenant checks them too). */
export const CLEAR_VERIFIERS_CONFIRMATION = 'REMOVE ALL PASSWORD HASHES';

export const adminApi = {
  me: (signal?: AbortSignal) => apiRequest<AdminSession>('GET', `${API}/auth/me`, undefined, signal),
  signIn: (username: string, password: string) => apiRequest<AdminSession>('POST', `${API}/auth/sign-in`, { username, password }),
  signOut: () => apiRequest<unknown>('POST', `${API}/auth/sign-out`),
  status: (signal?: AbortSignal) => apiRequest<DirSyncStatus>('GET', `${API}/dirsync/status`, undefined, signal),
  /** Answers the changed settings (the tenant service returns its settings, not the whole status). */
  patchSettings: (patch: { passwordSyncEnabled?: boolean; directorySyncEnabled?: boolean; deleteThreshold?: number; deleteThresholdPercent?: number; staleAfterHours?: number }) =>
    apiRequest<Partial<Pick<DirSyncStatus, 'passwordSyncEnabled' | 'directorySyncEnabled'>>>('PATCH', `${API}/dirsync/settings`, patch),
  allowDeletes: () => apiRequest<unknown>('POST', `${API}/dirsync/allow-deletes`),
  clearVerifiers: (confirm: string) => apiRequest<{ cleared: number }>('POST', `${API}/dirsync/clear-verifiers`, { confirm }),
  requestPreview: () => apiRequest<CyclePreview>('POST', `${API}/dirsync/preview`),
  preview: (signal?: AbortSignal) => apiRequest<CyclePreview>('GET', `${API}/dirsync/preview`, undefined, signal),
  users: (query: PageQuery, signal?: AbortSignal) => apiRequest<Page<UserView>>('GET', withQuery(`${API}/users`, { ...query }), undefined, signal),
  groups: (query: PageQuery, signal?: AbortSignal) => apiRequest<Page<GroupView>>('GET', withQuery(`${API}/groups`, { ...query }), undefined, signal),
  syncErrors: (query: PageQuery & { code?: string }, signal?: AbortSignal) =>
    apiRequest<Page<SyncErrorView>>('GET', withQuery(`${API}/sync-errors`, { ...query }), undefined, signal),
  agents: (signal?: AbortSignal) => apiRequest<AgentView[]>('GET', `${API}/agents`, undefined, signal),
  registrationTokens: (signal?: AbortSignal) => apiRequest<RegistrationTokenView[]>('GET', `${API}/registration-tokens`, undefined, signal),
  createRegistrationToken: () => apiRequest<RegistrationTokenCreated>('POST', `${API}/registration-tokens`, {}),
  auditLog: (query: PageQuery, signal?: AbortSignal) => apiRequest<Page<AuditEntry>>('GET', withQuery(`${API}/audit-log`, { ...query }), undefined, signal),
  syncNow: (signal?: AbortSignal) => apiRequest<SyncNowView>('GET', `${API}/dirsync/sync-now`, undefined, signal),
  requestSyncNow: (mode: SyncMode) => apiRequest<SyncNowView>('POST', `${API}/dirsync/sync-now`, { mode }),
  pendingDeletes: (signal?: AbortSignal) => apiRequest<PendingDeletesView>('GET', `${API}/dirsync/pending-deletes`, undefined, signal),
  revokeAgent: (id: string) => apiRequest<unknown>('DELETE', withQuery(`${API}/agents`, { id })),
  revokeRegistrationToken: (id: string) => apiRequest<unknown>('DELETE', withQuery(`${API}/registration-tokens`, { id })),
  admins: (signal?: AbortSignal) => apiRequest<AdminAccountView[]>('GET', `${API}/admins`, undefined, signal),
  createAdmin: (input: { username: string; role: 'global_admin' | 'global_reader'; password?: string }) => apiRequest<AdminCreated>('POST', `${API}/admins`, input),
  setAdminDisabled: (id: string, disabled: boolean) => apiRequest<AdminAccountView>('PATCH', `${API}/admins`, { id, disabled }),
  removeAdmin: (id: string) => apiRequest<unknown>('DELETE', withQuery(`${API}/admins`, { id })),
  resetAdminPassword: (id: string) => apiRequest<AdminPasswordReset>('POST', `${API}/admins/reset-password`, { id }),
  signOutEverywhere: () => apiRequest<unknown>('POST', `${API}/auth/sign-out-everywhere`),
  troubleshooter: (signal?: AbortSignal) => apiRequest<TroubleshooterReport>('GET', `${API}/troubleshooter`, undefined, signal),
  passwordTrace: (user: string, signal?: AbortSignal) => apiRequest<PasswordTrace>('GET', withQuery(`${API}/troubleshooter/password-trace`, { user }), undefined, signal),
  user: (id: string, signal?: AbortSignal) => apiRequest<UserDetail>('GET', `${API}/users/${encodeURIComponent(id)}`, undefined, signal),
  group: (id: string, signal?: AbortSignal) => apiRequest<GroupDetail>('GET', `${API}/groups/${encodeURIComponent(id)}`, undefined, signal),
  groupMembers: (id: string, query: { page: number; pageSize: number }, signal?: AbortSignal) =>
    apiRequest<Page<GroupMemberView>>('GET', withQuery(`${API}/groups/${encodeURIComponent(id)}/members`, { ...query }), undefined, signal),
  syncRuns: (query: { page: number; pageSize: number }, signal?: AbortSignal) => apiRequest<SyncHistory>('GET', withQuery(`${API}/sync-runs`, { ...query }), undefined, signal),
};
