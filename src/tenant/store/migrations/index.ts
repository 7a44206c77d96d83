/**
 * The in-code migration list, applied in name order by Kysely's Migrator. Names are never
 * changed once released; a schema change is a new file.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { initialSchema } from './0001-initial.js';
import { searchIndexes } from './0002-search-indexes.js';
import { anchorOrder } from './0003-anchor-order.js';
import { oidcSchema } from './0004-oidc.js';
import { cyclePreviewSchema } from './0005-cycle-preview.js';
import { passwordEpochSchema } from './0006-password-epoch.js';
import { objectCounts } from './0007-object-counts.js';
import { anchorCollation } from './0008-anchor-collation.js';
import { searchIndex } from './0009-search-index.js';
import { usersTrigramIndex } from './0010-users-trigram-index.js';
import { bulkTablesWithoutTenantChecks } from './0011-bulk-tables-without-tenant-checks.js';
import { dropUsersMailIndex } from './0012-drop-users-mail-index.js';
import { reconciliationSchema } from './0015-reconciliation.js';
import { relativeDeleteThreshold } from './0016-relative-delete-threshold.js';
import { smartLockout } from './0018-smart-lockout.js';
import { credentialLifecycle } from './0020-credential-lifecycle.js';
import { alertsSchema } from './0023-alerts.js';
import { directoryProgressSchema } from './0025-directory-progress.js';
import { dirsyncManagement } from './0026-dirsync-management.js';
import { registrationAgent } from './0028-registration-agent.js';
import { usersUpnUnique } from './0030-users-upn-unique.js';
import { agentSourceFlavor } from './0031-agent-source-flavor.js';
import { errorParams } from './0032-error-params.js';
import { runErrorParams } from './0033-run-error-params.js';
import { alertErrorParams } from './0034-alert-error-params.js';

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-initial': initialSchema(dialect),
        '0002-search-indexes': searchIndexes(dialect),
        '0003-anchor-order': anchorOrder(dialect),
        '0004-oidc': oidcSchema(dialect),
        '0005-cycle-preview': cyclePreviewSchema(),
        '0006-password-epoch': passwordEpochSchema(),
        '0007-object-counts': objectCounts(),
        '0008-anchor-collation': anchorCollation(dialect),
        '0009-search-index': searchIndex(dialect),
        '0010-users-trigram-index': usersTrigramIndex(dialect),
        '0011-bulk-tables-without-tenant-checks': bulkTablesWithoutTenantChecks(dialect),
        '0012-drop-users-mail-index': dropUsersMailIndex(),
        '0015-reconciliation': reconciliationSchema(),
        '0016-relative-delete-threshold': relativeDeleteThreshold(),
        '0018-smart-lockout': smartLockout(),
        '0020-credential-lifecycle': credentialLifecycle(),
        '0023-alerts': alertsSchema(),
        '0025-directory-progress': directoryProgressSchema(),
        '0026-dirsync-management': dirsyncManagement(dialect),
        '0028-registration-agent': registrationAgent(),
        '0030-users-upn-unique': usersUpnUnique(),
        '0031-agent-source-flavor': agentSourceFlavor(),
        '0032-error-params': errorParams(),
        '0033-run-error-params': runErrorParams(),
        '0034-alert-error-params': alertErrorParams(),
      };
    },
  };
}
