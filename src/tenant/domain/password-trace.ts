/**
 * The per-user password sync trace of the troubleshooter: where one user's password stands, from
 * the directory to the tenant, and what to do. Pure: it judges what `loadPasswordTraceInput` read.
 * It names schemes and times only, never hash material.
 */
import type { PasswordTrace, PasswordTraceStep, SyncErrorView, UserView, Verdict } from '../api/contract.js';
import type { PasswordState } from '../store/ports.js';

export interface PasswordTraceInput {
  username: string;
  user: UserView | null;
  passwordSyncEnabled: boolean;
  state: PasswordState | null;
  /** Schemes of the verifiers the tenant holds for the user. */
  verifierSchemes: string[];
  /** The user's sync errors (object and password). */
  errors: SyncErrorView[];
  lastPasswordRunAt: Date | null;
  /**
   * How hashes reach the agent: `ms-drsr` when the source is Active Directory (LDAP never returns
   * unicodePwd, so its NT hashes come by directory replication), `ldap` otherwise; absent: unknown.
   */
  passwordPath?: 'ms-drsr' | 'ldap' | null;
}

const step = (id: PasswordTraceStep['id'], verdict: Verdict, found: string, action = '', params: PasswordTraceStep['params'] = {}): PasswordTraceStep => ({ id, verdict, found, action, params });
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function tracePasswordSync(input: PasswordTraceInput, now: Date): PasswordTrace {
  const steps: PasswordTraceStep[] = [];
  const { user, state } = input;
  const objectErrors = input.errors.filter((e) => e.attribute !== 'userPassword');
  // A cleartext password is a warning (it is synchronized), judged below by its scheme.
  const passwordErrors = input.errors.filter((e) => e.attribute === 'userPassword' && e.code !== 'PASSWORD_CLEARTEXT');

  if (!user) {
    const error = input.errors[0];
    steps.push(error
      ? step('in_scope', 'error', `${input.username} is not in the tenant: the directory entry ${error.dn} is in error (${error.code}: ${error.message}).`, error.hint, { code: error.code, dn: error.dn })
      : step('in_scope', 'error', `No user ${input.username} is in the tenant: the entry is outside the sync scope, or not synchronized yet.`,
        'Check that the user lies under a synchronized base DN and matches the scope filter and group, then run a sync (dirbridge sync --full).', { user: input.username }));
    return finish(input.username, null, steps, now);
  }
  if (user.source === 'cloud') {
    steps.push(step('in_scope', 'warning', `${user.userPrincipalName} is a cloud-only user: there is no directory password to synchronize.`, 'Set a password for this user in the tenant instead.', { user: user.userPrincipalName }));
    return finish(input.username, user.anchor, steps, now);
  }
  steps.push(step('in_scope', 'ok', `${user.userPrincipalName} is synchronized from ${user.dn ?? 'the directory'}.`, '', { dn: user.dn, user: user.userPrincipalName }));
  steps.push(objectErrors.length > 0
    ? step('object_synced', 'warning', `The user object was last synchronized at ${user.lastSyncedAt}, but has an error: ${objectErrors[0]!.message}`, objectErrors[0]!.hint, { at: user.lastSyncedAt, code: objectErrors[0]!.code })
    : step('object_synced', 'ok', `The user object was last synchronized at ${user.lastSyncedAt}.`, '', { at: user.lastSyncedAt }));
  steps.push(input.passwordSyncEnabled
    ? step('password_sync_enabled', 'ok', 'Password sync is enabled.', '', { lastRun: iso(input.lastPasswordRunAt) })
    : step('password_sync_enabled', 'error', 'Password sync is switched off: no password hash is sent.', 'Switch Password sync enabled to True in DirSync management.'));

  const scheme = state?.scheme ?? input.verifierSchemes[0] ?? null;
  const problem = passwordErrors[0];
  const drsr = input.passwordPath === 'ms-drsr';
  if (problem) {
    steps.push(step('scheme', 'error', `The directory stores this password ${scheme ? `with the scheme {${scheme}}` : 'in a form'} that cannot be synchronized: ${problem.message}`, problem.hint, { scheme, code: problem.code }));
  } else if (scheme === 'CLEARTEXT') {
    steps.push(step('scheme', 'warning', 'The directory stores this password in cleartext.', 'Configure the directory to hash passwords and have the user change it.', { scheme }));
  } else if (scheme && drsr) {
    steps.push(step('scheme', 'ok', `The agent replicates this password from the domain controller over MS-DRSR (directory replication, as Entra Connect does) as its NT hash (scheme {${scheme}}), which dirbridge synchronizes.`, '', { scheme, path: 'ms-drsr' }));
  } else if (scheme) {
    steps.push(step('scheme', 'ok', `The directory stores the password as {${scheme}}, which dirbridge synchronizes.`, '', { scheme }));
  } else if (drsr) {
    steps.push(step('scheme', 'warning', 'No password hash of this user has been replicated from the domain controller (MS-DRSR) yet.',
      'Check that agent.source.passwordReplication is configured and that the sync account has Replicating Directory Changes and Replicating Directory Changes All on the domain, then run a password sync.', { scheme: null, path: 'ms-drsr' }));
  } else {
    steps.push(step('scheme', 'warning', 'No password hash of this user has reached the tenant.', 'Check that the user has a password in the directory and that the sync account may read userPassword.', { scheme: null }));
  }
  steps.push(state?.sourceChangedAt
    ? step('source_changed', 'ok', `The password last changed in the directory at ${state.sourceChangedAt.toISOString()} (as the agent saw it).`, '', { at: iso(state.sourceChangedAt) })
    : step('source_changed', 'ok', 'The directory did not say when the password last changed.', '', { at: null }));
  steps.push(state?.lastSuccessAt
    ? step('exported', 'ok', `${drsr ? 'The agent replicated the NT hash over MS-DRSR, derived the verifier' : 'The agent derived the verifier'} and the tenant acknowledged it at ${state.lastSuccessAt.toISOString()}.`, '', { at: iso(state.lastSuccessAt), attempt: iso(state.lastAttemptAt), ...(drsr ? { path: 'ms-drsr' } : {}) })
    : step('exported', state?.lastAttemptAt ? 'error' : 'warning', state?.lastAttemptAt ? `The last attempt at ${state.lastAttemptAt.toISOString()} did not store a verifier.` : 'No password sync attempt for this user yet.',
      'Run a password sync (dirbridge sync) and look at the result below.', { at: null, attempt: iso(state?.lastAttemptAt) }));
  const signsIn = user.enabled && input.verifierSchemes.length > 0;
  steps.push(signsIn
    ? step('result', 'ok', `${user.userPrincipalName} can sign in with the directory password.`, '', { code: state?.resultCode ?? 'OK' })
    : step('result', 'error', !user.enabled ? `${user.userPrincipalName} is disabled in the directory and cannot sign in.` : `${user.userPrincipalName} cannot sign in with a directory password yet.`,
      !user.enabled ? 'Enable the account in the directory if the user should sign in.' : (problem?.hint ?? 'Fix the problems above; the next password sync retries the user.'), { code: state?.resultCode ?? null }));
  return finish(input.username, user.anchor, steps, now);
}

function finish(user: string, anchor: string | null, steps: PasswordTraceStep[], now: Date): PasswordTrace {
  const verdict: Verdict = steps.some((s) => s.verdict === 'error') ? 'error' : steps.some((s) => s.verdict === 'warning') ? 'warning' : 'ok';
  return { user, anchor, ranAt: now.toISOString(), verdict, steps };
}
