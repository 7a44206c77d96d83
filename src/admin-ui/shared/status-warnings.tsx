import { MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { DirSyncStatus } from '../../tenant/api/contract.js';
import { RouterLink } from './router-link.js';
import { STALE_CODES, warningText } from './warning-text.js';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalM },
});

export function StatusWarnings({ status, only }: { status: DirSyncStatus; only?: 'stale' }) {
  const { t, i18n } = useTranslation();
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
            {warningText(warning, status.staleAfterHours, t, i18n.language)}{' '}
            <RouterLink to={warning.troubleshooterUrl || '/troubleshooter'} testId="troubleshooter-link">
              {t('warnings.troubleshooterLink')}
            </RouterLink>
          </MessageBarBody>
        </MessageBar>
      ))}
    </div>
  );
}
