/**
 * Whether passwords flow: the causes a synchronized user can be without a password in the tenant,
 * from the error codes the agent reports (password-cycle.ts) plus the users nothing explains.
 * Pure; shared by the status rules and the troubleshooter.
 */
import type { PasswordProblem, PasswordProblemCause } from '../api/contract.js';
import type { PasswordCoverage } from '../store/ports.js';

/** Error code reported per user -> the cause the admin center shows. */
export const CAUSE_OF_CODE: Readonly<Record<string, PasswordProblemCause>> = {
  PASSWORD_NOT_READABLE: 'no_read_right',
  PASSWORD_SCHEME_UNSUPPORTED: 'unsupported_scheme',
  PASSWORD_HASH_MALFORMED: 'unsupported_scheme',
  PASSWORD_NOT_SET: 'no_password',
  PASSWORD_SOURCE_NO_HASH_SYNC: 'source_without_hash_sync',
};

export const PASSWORD_PROBLEM_CODES: readonly string[] = Object.keys(CAUSE_OF_CODE);

/** The order causes are listed in: what an admin can fix for everyone first. */
const CAUSE_ORDER: PasswordProblemCause[] = ['no_read_right', 'source_without_hash_sync', 'not_synced', 'unsupported_scheme', 'no_password'];

export const CAUSE_WORDS: Readonly<Record<PasswordProblemCause, string>> = {
  no_read_right: 'the sync account cannot read userPassword',
  source_without_hash_sync: 'the directory kind has no password hash sync yet',
  not_synced: 'synchronized before the last password cycle, yet no password arrived and no cause was reported',
  unsupported_scheme: 'the hash scheme is unsupported or malformed',
  no_password: 'no password attribute in the directory',
};

export const CAUSE_ACTIONS: Readonly<Record<PasswordProblemCause, string>> = {
  no_read_right: 'Give the sync account read access to userPassword in the directory ACLs (slapd: access to attrs=userPassword by dn.exact="<sync account>" read).',
  source_without_hash_sync: 'Users of this directory cannot sign in with their on-premises password yet; give them another way to sign in.',
  not_synced: 'Run a full sync on the agent host (dirbridge sync --full), then look at the agent log if they still have none.',
  unsupported_scheme: 'Have these users change their password so the directory stores a supported scheme (Sync errors lists them).',
  no_password: 'Set a password in the directory for the users who should sign in (Sync errors lists them).',
};

export const NO_PASSWORD_PROBLEMS: PasswordCoverage = { usersWithPassword: 0, problemsByCode: {}, unexplained: 0 };

/** The causes with at least one user, in CAUSE_ORDER. */
export function passwordProblems(coverage: PasswordCoverage): PasswordProblem[] {
  const counts = new Map<PasswordProblemCause, number>();
  for (const [code, count] of Object.entries(coverage.problemsByCode)) {
    const cause = CAUSE_OF_CODE[code];
    if (cause && count > 0) counts.set(cause, (counts.get(cause) ?? 0) + count);
  }
  if (coverage.unexplained > 0) counts.set('not_synced', coverage.unexplained);
  return CAUSE_ORDER.filter((cause) => counts.has(cause)).map((cause) => ({ cause, count: counts.get(cause)! }));
}

export function describeProblems(problems: PasswordProblem[]): string {
  return problems.map((p) => `${p.count} ${p.count === 1 ? 'user' : 'users'}: ${CAUSE_WORDS[p.cause]}`).join('; ');
}
