/**
 * The OpenID Connect provider's part of the store (tables from migrations/0004-oidc.ts): clients
 * registered by admins, oidc-provider's artifacts, and the per-tenant signing and cookie keys.
 * Every statement filters on `tenant_id` first, like the rest of the store.
 */
import { type Kysely } from 'kysely';
import { isUniqueViolation, toDate, toNumber } from './dialect.js';
import type { StoreDialect } from './dialect.js';
import type { StoreDatabase } from './schema.js';

export interface OidcClientRecord {
  clientId: string;
  name: string;
  redirectUris: string[];
  /** Public clients (browser or native apps) have no secret and must use PKCE. */
  public: boolean;
  /** sha256 hex of the client secret; null for public clients. */
  secretHash: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface OidcModelRecord {
  payload: Record<string, unknown>;
  consumedAt: Date | null;
}

/** What the provider needs to know about a user after sign-in (by anchor, the `sub`). */
export interface OidcAccountRecord {
  anchor: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
  enabled: boolean;
}

/** `key_ring` holds every signing and cookie key (key-ring.ts); the other two are from before rotation. */
export type OidcSecretKind = 'signing_jwks' | 'cookie_keys' | 'key_ring';

/** One tenant's OpenID Connect data. Obtained from `TenantStore.oidc(tenantId)`. */
export interface OidcRepository {
  readonly tenantId: string;
  createClient(client: OidcClientRecord): Promise<void>;
  listClients(): Promise<OidcClientRecord[]>;
  findClient(clientId: string): Promise<OidcClientRecord | null>;
  /** Removes the client and every artifact issued to it; false when it did not exist. */
  deleteClient(clientId: string): Promise<boolean>;

  upsertModel(model: string, id: string, payload: Record<string, unknown>, expiresAt: Date | null, refs: { grantId?: string | undefined; uid?: string | undefined; userCode?: string | undefined }): Promise<void>;
  /** The artifact unless it is unknown or expired at `now`. */
  findModel(model: string, id: string, now: Date): Promise<OidcModelRecord | null>;
  findModelBy(model: string, field: 'uid' | 'userCode', value: string, now: Date): Promise<OidcModelRecord | null>;
  consumeModel(model: string, id: string, at: Date): Promise<void>;
  destroyModel(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  deleteExpiredModels(now: Date): Promise<number>;

  /** The stored value of `kind`, or `create()`'s value stored now; replicas starting together agree on one. */
  getOrCreateSecret(kind: OidcSecretKind, create: () => string): Promise<string>;
  /** The stored value of `kind`, or null. */
  findSecret(kind: OidcSecretKind): Promise<string | null>;
  /** Replaces `kind`'s value only if it is still `expected` (compare-and-set: replicas rotating together agree on one ring). */
  replaceSecret(kind: OidcSecretKind, expected: string, next: string): Promise<boolean>;
  deleteSecret(kind: OidcSecretKind): Promise<void>;
  findAccount(anchor: string): Promise<OidcAccountRecord | null>;
}

interface OidcTables {
  oidc_clients: {
    tenant_id: string; client_id: string; name: string; name_lower: string; redirect_uris: string; public: number;
    secret_hash: string | null; created_by: string; created_at: number;
  };
  oidc_models: {
    tenant_id: string; model: string; id: string; payload: string; grant_id: string | null; uid: string | null;
    user_code: string | null; consumed_at: number | null; expires_at: number | null;
  };
  oidc_secrets: { tenant_id: string; kind: string; value: string; created_at: number };
}

type OidcDatabase = StoreDatabase & OidcTables;

export class KyselyOidcRepository implements OidcRepository {
  private readonly db: Kysely<OidcDatabase>;

  constructor(db: Kysely<StoreDatabase>, readonly dialect: StoreDialect, readonly tenantId: string) {
    // The OIDC tables are typed here rather than in schema.ts: only this file queries them.
    this.db = db as unknown as Kysely<OidcDatabase>;
  }

  async createClient(client: OidcClientRecord): Promise<void> {
    await this.db.insertInto('oidc_clients').values({
      tenant_id: this.tenantId,
      client_id: client.clientId,
      name: client.name,
      name_lower: client.name.toLowerCase(),
      redirect_uris: JSON.stringify(client.redirectUris),
      public: client.public ? 1 : 0,
      secret_hash: client.secretHash,
      created_by: client.createdBy,
      created_at: client.createdAt.getTime(),
    }).execute();
  }

  async listClients(): Promise<OidcClientRecord[]> {
    const rows = await this.db.selectFrom('oidc_clients').selectAll()
      .where('tenant_id', '=', this.tenantId).orderBy('name_lower').orderBy('client_id').execute();
    return rows.map(toClient);
  }

  async findClient(clientId: string): Promise<OidcClientRecord | null> {
    const row = await this.db.selectFrom('oidc_clients').selectAll()
      .where('tenant_id', '=', this.tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return row ? toClient(row) : null;
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('oidc_clients').where('tenant_id', '=', this.tenantId).where('client_id', '=', clientId).executeTakeFirst();
      if (toNumber(result.numDeletedRows) === 0) return false;
      // Grants, codes and tokens name their client inside the JSON payload; the grant ids tie them together.
      const grants = await trx.selectFrom('oidc_models').select(['id', 'payload'])
        .where('tenant_id', '=', this.tenantId).where('model', '=', 'Grant').execute();
      const ids = grants.filter((g) => (JSON.parse(g.payload) as { clientId?: string }).clientId === clientId).map((g) => g.id);
      for (const grantId of ids) {
        await trx.deleteFrom('oidc_models').where('tenant_id', '=', this.tenantId)
          .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])])).execute();
      }
      return true;
    });
  }

  async upsertModel(model: string, id: string, payload: Record<string, unknown>, expiresAt: Date | null, refs: { grantId?: string | undefined; uid?: string | undefined; userCode?: string | undefined }): Promise<void> {
    const values = {
      payload: JSON.stringify(payload),
      grant_id: refs.grantId ?? null,
      uid: refs.uid ?? null,
      user_code: refs.userCode ?? null,
      expires_at: expiresAt?.getTime() ?? null,
    };
    await this.db.insertInto('oidc_models').values({ tenant_id: this.tenantId, model, id, consumed_at: null, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'model', 'id']).doUpdateSet(values))
      .execute();
  }

  async findModel(model: string, id: string, now: Date): Promise<OidcModelRecord | null> {
    const row = await this.db.selectFrom('oidc_models').select(['payload', 'consumed_at', 'expires_at'])
      .where('tenant_id', '=', this.tenantId).where('model', '=', model).where('id', '=', id).executeTakeFirst();
    return toModel(row, now);
  }

  async findModelBy(model: string, field: 'uid' | 'userCode', value: string, now: Date): Promise<OidcModelRecord | null> {
    const row = await this.db.selectFrom('oidc_models').select(['payload', 'consumed_at', 'expires_at'])
      .where('tenant_id', '=', this.tenantId).where('model', '=', model).where(field === 'uid' ? 'uid' : 'user_code', '=', value)
      .executeTakeFirst();
    return toModel(row, now);
  }

  async consumeModel(model: string, id: string, at: Date): Promise<void> {
    await this.db.updateTable('oidc_models').set({ consumed_at: at.getTime() })
      .where('tenant_id', '=', this.tenantId).where('model', '=', model).where('id', '=', id).execute();
  }

  async destroyModel(model: string, id: string): Promise<void> {
    await this.db.deleteFrom('oidc_models').where('tenant_id', '=', this.tenantId).where('model', '=', model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_models').where('tenant_id', '=', this.tenantId).where('grant_id', '=', grantId).execute();
  }

  async deleteExpiredModels(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('oidc_models')
      .where('tenant_id', '=', this.tenantId).where('expires_at', '<', now.getTime()).executeTakeFirst();
    return toNumber(result.numDeletedRows);
  }

  async getOrCreateSecret(kind: OidcSecretKind, create: () => string): Promise<string> {
    const read = async () => (await this.db.selectFrom('oidc_secrets').select('value')
      .where('tenant_id', '=', this.tenantId).where('kind', '=', kind).executeTakeFirst())?.value;
    const existing = await read();
    if (existing !== undefined) return existing;
    try {
      await this.db.insertInto('oidc_secrets').values({ tenant_id: this.tenantId, kind, value: create(), created_at: Date.now() })
        .onConflict((oc) => oc.columns(['tenant_id', 'kind']).doNothing()).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // Whoever inserted first wins; everyone reads that value.
    const stored = await read();
    if (stored === undefined) throw new Error(`the OIDC ${kind} could not be stored`);
    return stored;
  }

  async findSecret(kind: OidcSecretKind): Promise<string | null> {
    const row = await this.db.selectFrom('oidc_secrets').select('value')
      .where('tenant_id', '=', this.tenantId).where('kind', '=', kind).executeTakeFirst();
    return row?.value ?? null;
  }

  async replaceSecret(kind: OidcSecretKind, expected: string, next: string): Promise<boolean> {
    const result = await this.db.updateTable('oidc_secrets').set({ value: next, created_at: Date.now() })
      .where('tenant_id', '=', this.tenantId).where('kind', '=', kind).where('value', '=', expected).executeTakeFirst();
    return toNumber(result.numUpdatedRows) === 1;
  }

  async deleteSecret(kind: OidcSecretKind): Promise<void> {
    await this.db.deleteFrom('oidc_secrets').where('tenant_id', '=', this.tenantId).where('kind', '=', kind).execute();
  }

  async findAccount(anchor: string): Promise<OidcAccountRecord | null> {
    const row = await this.db.selectFrom('users').select(['anchor', 'upn', 'display_name', 'mail', 'enabled'])
      .where('tenant_id', '=', this.tenantId).where('anchor', '=', anchor).executeTakeFirst();
    return row ? { anchor: row.anchor, userPrincipalName: row.upn, displayName: row.display_name, mail: row.mail, enabled: row.enabled === 1 } : null;
  }
}

function toClient(row: OidcTables['oidc_clients']): OidcClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    public: row.public === 1,
    secretHash: row.secret_hash,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
  };
}

function toModel(row: { payload: string; consumed_at: number | string | null; expires_at: number | string | null } | undefined, now: Date): OidcModelRecord | null {
  if (!row) return null;
  if (row.expires_at !== null && toNumber(row.expires_at) <= now.getTime()) return null;
  return { payload: JSON.parse(row.payload) as Record<string, unknown>, consumedAt: toDate(row.consumed_at) };
}
