import { MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { DirSyncStatus, StatusWarning } from '../../tenant/api/contract.js';
import { RouterLink } from './router-link.js';

const STALE_CODES = new Set(['DIRECTORY_SYNC_STALE', 'PASSWORD_SYNC_STALE', 'DIRECTORY_SYNC_NEVER_RAN', 'PASSWORD_SYNC_NEVER_RAN']);

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalM },
});

/** The warning in the admin's language (by code), else as the server sent it. */
export function warningText(warning: StatusWarning, staleAfterHours: number, t: TFunction): string {
  if (warning.code === 'DIRECTORY_SYNC_STALE' || warning.code === 'PASSWORD_SYNC_STALE') {
    // The reference wording says "three days"; other thresholds name their hours.
    return staleAfterHours === 72 ? t('warnings.stale') : t('warnings.staleHours', { hours: staleAfterHours });
  }
  const translated = t(`warnings.message.${warning.code}`, { defaultValue: '' });
  return translated || warning.message;
}

export function StatusWarnings({ status, only }: { status: DirSyncStatus; only?: 'stale' }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const warnings = only === 'stale' ? status.warnings.filter((w) => STALE_CODES.has(w.code)) : status.warnings;
  if (warnings.length === 0) return null;
  return (
    <div className={styles.list}>
      {warnings.map((warning) => (
        <MessageBar
          key={warning.code}
          intent={warning.code === 'LAST_CYCLE_FAILED' ? 'error' : 'warning'}
          data-testid={STALE_CODES.has(warning.code) ? 'stale-warning' : 'status-warning'}
          data-code={warning.code}
        >
          <MessageBarBody>
            <MessageBarTitle>{t(`warnings.title.${warning.code}`, { defaultValue: warning.code })}</MessageBarTitle>
            {warningText(warning, status.staleAfterHours, t)}{' '}
            <RouterLink to={warning.troubleshooterUrl || '/troubleshooter'} testId="troubleshooter-link">
              {t('warnings.troubleshooterLink')}
            </RouterLink>
          </MessageBarBody>
        </MessageBar>
      ))}
    </div>
  );
}
