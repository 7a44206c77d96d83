/**
 * How far passwords reach the tenant: the synchronized users with a verifier, the users the agent
 * reported without a usable password (by error code), and the users synced before the last password
 * cycle that have neither a verifier nor a reported cause (lost behind a cursor, removed by hand):
 * the facts behind "the state is never healthy while passwords are not flowing".
 */
import { sql } from 'kysely';
import { inList, toNumber } from './dialect.js';
import type { PasswordCoverage } from './ports.js';
import type { RepoContext } from './repo-context.js';

export async function passwordCoverage(ctx: RepoContext, problemCodes: readonly string[], syncedBefore: Date | null): Promise<PasswordCoverage> {
  const { db, tenantId: t, dialect: d } = ctx;
  const [withPassword, problems, unexplained] = await Promise.all([
    db.selectFrom('password_verifiers').select((eb) => eb.fn.countAll<number | string>().as('n')).where('tenant_id', '=', t).executeTakeFirstOrThrow(),
    problemCodes.length === 0 ? Promise.resolve([]) : db.selectFrom('sync_errors')
      .select(['code', (eb) => eb.fn.count<number | string>('anchor').distinct().as('n')])
      .where('tenant_id', '=', t).where('run_kind', '=', 'password').where(inList(d, 'code', problemCodes))
      .groupBy('code').execute(),
    syncedBefore === null ? Promise.resolve({ n: 0 }) : db.selectFrom('users as u')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('u.tenant_id', '=', t).where('u.source', '=', 'on_premises').where('u.created_at', '<', syncedBefore.getTime())
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('password_verifiers as v').select(sql`1`.as('one'))
        .whereRef('v.tenant_id', '=', 'u.tenant_id').whereRef('v.anchor', '=', 'u.anchor'))))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('sync_errors as e').select(sql`1`.as('one'))
        .whereRef('e.tenant_id', '=', 'u.tenant_id').whereRef('e.anchor', '=', 'u.anchor').where('e.run_kind', '=', 'password'))))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    usersWithPassword: toNumber(withPassword.n),
    problemsByCode: Object.fromEntries(problems.map((row) => [row.code, toNumber(row.n)])),
    unexplained: toNumber(unexplained.n),
  };
}
