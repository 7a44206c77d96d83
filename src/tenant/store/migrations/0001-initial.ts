/**
 * The initial schema. One DDL for SQLite and PostgreSQL: text, bigint (epoch ms), integer 0/1.
 * Every table starts its key with `tenant_id` and references `tenants`, so one store can hold
 * many tenants and a tenant's rows are found by key prefix.
 *
 * Anchors are limited to 512 characters by the API contract; the CHECK constraints make the
 * database hold the same line, whatever writes to it.
 */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

const ANCHOR_MAX = sql`512`;

export function initialSchema(dialect: StoreDialect): Migration {
  return { up: (db) => up(db, dialect) };
}

// Kysely<any>: a migration must not depend on today's schema types.
async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  // Columns that order lists compare by code point on PostgreSQL too, as SQLite does, so both
  // databases page alike whatever the server's locale.
  const sortText = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  const tenantRef = (c: ColumnDefinitionBuilder) => c.notNull().references('tenants.id').onDelete('cascade');

  await db.schema.createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('settings')
    .addColumn('tenant_id', 'text', (c) => tenantRef(c).primaryKey())
    .addColumn('directory_sync_enabled', 'integer', (c) => c.notNull())
    .addColumn('password_sync_enabled', 'integer', (c) => c.notNull())
    .addColumn('stale_after_hours', 'integer', (c) => c.notNull())
    .addColumn('delete_threshold', 'integer', (c) => c.notNull())
    .addColumn('allowed_deletes', 'integer', (c) => c.notNull())
    .addColumn('kdf_params', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('admins')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_lower', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('admins_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('admins_username_uq', ['tenant_id', 'username_lower'])
    .execute();

  await db.schema.createTable('sessions')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id_hash', 'text', (c) => c.notNull())
    .addColumn('admin_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sessions_pk', ['tenant_id', 'id_hash'])
    .execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').columns(['tenant_id', 'expires_at']).execute();

  await db.schema.createTable('agents')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('credential_hash', 'text', (c) => c.notNull())
    .addColumn('last_heartbeat', 'bigint')
    .addColumn('source', 'text')
    .addColumn('sync_account', 'text')
    .addColumn('tls_verification_disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['tenant_id', 'id'])
    .execute();

  await db.schema.createTable('registration_tokens')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('registration_tokens_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('registration_tokens_hash_uq', ['tenant_id', 'token_hash'])
    .execute();

  await db.schema.createTable('agent_lease')
    .addColumn('tenant_id', 'text', (c) => tenantRef(c).primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('users')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('anchor', 'text', (c) => c.notNull().check(sql`length(anchor) <= ${ANCHOR_MAX}`))
    .addColumn('dn', 'text')
    .addColumn('upn', 'text', (c) => c.notNull())
    .addColumn('upn_lower', sortText, (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('display_name_lower', 'text')
    .addColumn('sort_key', sortText, (c) => c.notNull())
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('mail', 'text')
    .addColumn('mail_lower', 'text')
    .addColumn('other_mails', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('on_premises', 'cloud')`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'anchor'])
    .execute();
  // Not unique on purpose: uniqueness of UPN and mail is decided per object while a batch is
  // applied (a clash becomes a sync error naming the other object), in an order a unique index
  // checked row by row could not follow (two users swapping UPNs in one batch).
  await db.schema.createIndex('users_upn_idx').on('users').columns(['tenant_id', 'upn_lower']).execute();
  await db.schema.createIndex('users_mail_idx').on('users').columns(['tenant_id', 'mail_lower']).execute();
  await db.schema.createIndex('users_sort_idx').on('users').columns(['tenant_id', 'sort_key', 'upn_lower']).execute();

  await db.schema.createTable('user_mails')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('mail_lower', 'text', (c) => c.notNull())
    .addColumn('anchor', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_mails_pk', ['tenant_id', 'mail_lower'])
    .execute();
  await db.schema.createIndex('user_mails_anchor_idx').on('user_mails').columns(['tenant_id', 'anchor']).execute();

  await db.schema.createTable('groups')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('anchor', 'text', (c) => c.notNull().check(sql`length(anchor) <= ${ANCHOR_MAX}`))
    .addColumn('dn', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', sortText, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('mail', 'text')
    .addColumn('mail_lower', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('groups_pk', ['tenant_id', 'anchor'])
    .execute();
  await db.schema.createIndex('groups_name_idx').on('groups').columns(['tenant_id', 'name_lower', 'anchor']).execute();

  await db.schema.createTable('memberships')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('group_anchor', 'text', (c) => c.notNull())
    .addColumn('member_anchor', 'text', (c) => c.notNull().check(sql`length(member_anchor) <= ${ANCHOR_MAX}`))
    .addPrimaryKeyConstraint('memberships_pk', ['tenant_id', 'group_anchor', 'member_anchor'])
    .execute();
  await db.schema.createIndex('memberships_member_idx').on('memberships').columns(['tenant_id', 'member_anchor']).execute();

  await db.schema.createTable('password_verifiers')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('anchor', 'text', (c) => c.notNull())
    .addColumn('verifiers', 'text', (c) => c.notNull())
    .addColumn('scheme', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('password_verifiers_pk', ['tenant_id', 'anchor'])
    .execute();

  await db.schema.createTable('password_state')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('anchor', 'text', (c) => c.notNull())
    .addColumn('scheme', 'text')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('result_code', 'text')
    .addColumn('source_changed_at', 'bigint')
    .addPrimaryKeyConstraint('password_state_pk', ['tenant_id', 'anchor'])
    .execute();

  await db.schema.createTable('applied_batches')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('applied_batches_pk', ['tenant_id', 'batch_id'])
    .execute();

  await db.schema.createTable('sync_runs')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mode', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addPrimaryKeyConstraint('sync_runs_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('sync_runs_kind_idx').on('sync_runs').columns(['tenant_id', 'kind', 'finished_at']).execute();
  await db.schema.createIndex('sync_runs_finished_idx').on('sync_runs').columns(['tenant_id', 'finished_at']).execute();

  await db.schema.createTable('sync_errors')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('agent', 'tenant')`))
    .addColumn('run_kind', 'text', (c) => c.notNull())
    .addColumn('anchor', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dn', 'text', (c) => c.notNull())
    .addColumn('attribute', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_errors_pk', ['tenant_id', 'origin', 'run_kind', 'anchor', 'code'])
    .execute();
  await db.schema.createIndex('sync_errors_anchor_idx').on('sync_errors').columns(['tenant_id', 'anchor']).execute();
  await db.schema.createIndex('sync_errors_seen_idx').on('sync_errors').columns(['tenant_id', 'last_seen']).execute();

  await db.schema.createTable('audit_log')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['tenant_id', 'at', 'id']).execute();

  await db.schema.createTable('lockouts')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('lockouts_pk', ['tenant_id', 'key'])
    .execute();
}
