import { Button, DrawerBody, DrawerFooter, DrawerHeader, DrawerHeaderTitle, OverlayDrawer, Text, makeStyles, tokens } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { adminApi } from '../../api/endpoints.js';
import { formatDateTime } from '../../shared/format-date.js';
import { StateBadge } from '../../shared/state-badge.js';
import { StatusWarnings } from '../../shared/status-warnings.js';
import { ErrorBar, Loading, useLocale } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/** The "Directory synchronization" pane of Users › Active users: a summary and the way to DirSync management. */
export function DirSyncPane({ open, onClose }: { open: boolean; onClose(): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const locale = useLocale();
  return (
    <OverlayDrawer position="end" size="medium" open={open} onOpenChange={(_, data) => (data.open ? undefined : onClose())} aria-label={t('users.paneLabel')} data-testid="dirsync-pane">
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label={t('common.close')} icon={<DismissRegular />} onClick={onClose} />}>
          {t('users.directorySynchronization')}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className={styles.body}>{open ? <PaneSummary locale={locale} /> : null}</DrawerBody>
      <DrawerFooter>
        <Button appearance="primary" onClick={() => void navigate('/dirsync')} data-testid="go-to-dirsync">
          {t('users.goToDirSync')}
        </Button>
      </DrawerFooter>
    </OverlayDrawer>
  );
}

function PaneSummary({ locale }: { locale: string }) {
  const { t } = useTranslation();
  const status = useApi((signal) => adminApi.status(signal), 'pane-status');
  if (status.error) return <ErrorBar error={status.error} onRetry={status.reload} />;
  if (!status.data) return <Loading />;
  const data = status.data;
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : t('common.never'));
  return (
    <>
      <span>
        <StateBadge state={data.state} />
      </span>
      <Text data-testid="dirsync-pane-summary">
        {t('users.paneSummary', {
          state: data.directorySyncEnabled ? t('users.on') : t('users.off'),
          lastDirectory: when(data.lastDirectorySync),
          lastPassword: when(data.lastPasswordSync),
        })}
      </Text>
      <StatusWarnings status={data} only="stale" />
    </>
  );
}
