/**
 * `TenantStore` over Kysely, for SQLite and PostgreSQL alike. Opened by `open-store.ts`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Migrator, sql, type Kysely } from 'kysely';
import { DEFAULT_KDF_PARAMS } from '../../passwords/verifier-model.js';
import { AppError } from '../../shared/errors.js';
import type { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { TenantRepository, TenantSettings, TenantStore } from './ports.js';
import type { StoreDatabase } from './schema.js';
import { KyselyTenantRepository } from './tenant-repository.js';
import { KyselyOidcRepository, type OidcRepository } from './oidc-repository.js';
import { KyselyAlertRepository, type AlertRepository } from './alert-repository.js';

export const DEFAULT_SETTINGS: TenantSettings = {
  directorySyncEnabled: true,
  passwordSyncEnabled: true,
  staleAfterHours: 72,
  deleteThreshold: 500,
  allowedDeletes: 0,
  kdfParams: { ...DEFAULT_KDF_PARAMS },
  passwordEpoch: 0,
};

export class KyselyTenantStore implements TenantStore {
  constructor(
    private readonly db: Kysely<StoreDatabase>,
    readonly dialect: StoreDialect,
    private readonly sqlite?: BetterSqlite3.Database,
  ) {}

  async migrate(): Promise<void> {
    // Kysely's migrator serializes concurrent runs: on PostgreSQL with an advisory lock inside
    // the migration transaction, on SQLite through the single connection and the file lock.
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    let { error, results } = await migrator.migrateToLatest();
    // SQLite has no lock to wait on before the migration transaction reads: a second process
    // starting at the same moment fails to upgrade to the write lock (SQLITE_BUSY) or finds the
    // tables made. Trying again after the first finished sees the migrations as applied.
    for (let attempt = 1; error !== undefined && this.dialect === 'sqlite' && attempt <= 3; attempt++) {
      await new Promise((done) => setTimeout(done, 100 * attempt));
      ({ error, results } = await migrator.migrateToLatest());
    }
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new AppError('STORE_MIGRATION_FAILED', {
        message: `The store migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
        details: { migration: failed ?? null },
        cause: error,
      });
    }
  }

  async ensureTenant(tenantId: string, name: string): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('tenants').values({ id: tenantId, name, created_at: now })
        .onConflict((oc) => oc.column('id').doNothing()).execute();
      await trx.insertInto('settings').values({
        tenant_id: tenantId,
        directory_sync_enabled: DEFAULT_SETTINGS.directorySyncEnabled ? 1 : 0,
        password_sync_enabled: DEFAULT_SETTINGS.passwordSyncEnabled ? 1 : 0,
        stale_after_hours: DEFAULT_SETTINGS.staleAfterHours,
        password_epoch: DEFAULT_SETTINGS.passwordEpoch,
        delete_threshold: DEFAULT_SETTINGS.deleteThreshold,
        allowed_deletes: DEFAULT_SETTINGS.allowedDeletes,
        kdf_params: JSON.stringify(DEFAULT_SETTINGS.kdfParams),
        updated_at: now,
      }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
    });
  }

  forTenant(tenantId: string): TenantRepository {
    return new KyselyTenantRepository({ db: this.db, dialect: this.dialect, tenantId, sqlite: this.sqlite });
  }

  oidc(tenantId: string): OidcRepository {
    return new KyselyOidcRepository(this.db, this.dialect, tenantId);
  }

  alerts(tenantId: string): AlertRepository {
    return new KyselyAlertRepository(this.db, tenantId);
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (cause) {
      throw new AppError('STORE_UNAVAILABLE', { cause });
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
