/**
 * The OpenID Connect provider's tables (see src/tenant/oidc/):
 * - `oidc_clients`: relying parties registered by a global admin; the secret only as a SHA-256 hash.
 * - `oidc_models`: oidc-provider's short-lived artifacts (sessions, interactions, codes, grants,
 *   tokens) as JSON, one table for every model, keyed by tenant, model and id, with an expiry.
 * - `oidc_secrets`: per tenant, the ID token signing keys (private JWK set) and the cookie keys,
 *   generated on the first start.
 */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';

export function oidcSchema(dialect: StoreDialect): Migration {
  return { up: (db) => up(db, dialect) };
}

async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  const tenantRef = (c: ColumnDefinitionBuilder) => c.notNull().references('tenants.id').onDelete('cascade');
  const sortText = dialect === 'postgres' ? sql`text collate "C"` : 'text';

  await db.schema.createTable('oidc_clients')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', sortText, (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_clients_pk', ['tenant_id', 'client_id'])
    .execute();

  await db.schema.createTable('oidc_models')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('consumed_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_models_pk', ['tenant_id', 'model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_models_grant_idx').on('oidc_models').columns(['tenant_id', 'grant_id']).execute();
  await db.schema.createIndex('oidc_models_uid_idx').on('oidc_models').columns(['tenant_id', 'model', 'uid']).execute();
  await db.schema.createIndex('oidc_models_user_code_idx').on('oidc_models').columns(['tenant_id', 'model', 'user_code']).execute();
  await db.schema.createIndex('oidc_models_expires_idx').on('oidc_models').columns(['tenant_id', 'expires_at']).execute();

  await db.schema.createTable('oidc_secrets')
    .addColumn('tenant_id', 'text', tenantRef)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_secrets_pk', ['tenant_id', 'kind'])
    .execute();
}
