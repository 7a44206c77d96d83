import { Badge, Button, MessageBar, MessageBarBody, Subtitle2, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowSyncRegular } from '@fluentui/react-icons';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncMode, SyncNowView } from '../../../tenant/api/dirsync-manage-contract.js';
import { adminApi } from '../../api/endpoints.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';
import { useSession } from '../../shared/session.js';
import { DateTime, ErrorBar } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  button: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, maxWidth: '320px' },
  hint: { color: tokens.colorNeutralForeground3 },
  line: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
});

const POLL_MS = 1000;
const BADGE: Record<SyncNowView['status'], 'informative' | 'warning' | 'success' | 'subtle' | 'danger'> = { none: 'subtle', requested: 'informative', running: 'warning', done: 'success', interrupted: 'danger' };

/** "Sync now": the agent takes the request at its next heartbeat; the page follows it requested → running → done. */
export function SyncNowSection({ agentOnline, onDone }: { agentOnline: boolean; onDone(): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const request = useApi((signal) => adminApi.syncNow(signal), 'sync-now');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const status = request.data?.status;
  const seen = useRef(status);

  // Follows a request until it is done; then the rest of the page reads the new state.
  useEffect(() => {
    const previous = seen.current;
    seen.current = status;
    if ((status === 'done' || status === 'interrupted') && previous && previous !== status && previous !== 'none') onDone();
    if (status !== 'requested' && status !== 'running') return undefined;
    const timer = setTimeout(request.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [status, request.data, request.reload, onDone]);

  const start = async (mode: SyncMode) => {
    setBusy(true);
    setError(undefined);
    try {
      request.setData(await adminApi.requestSyncNow(mode));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const view = request.data;
  const pending = view?.status === 'requested' || view?.status === 'running';
  return (
    <section className={styles.section} aria-labelledby="sync-now-heading" data-testid="sync-now">
      <Subtitle2 as="h2" id="sync-now-heading">{t('dirsyncManage.syncNow.title')}</Subtitle2>
      <Text>{t('dirsyncManage.syncNow.intro')}</Text>
      <div className={styles.buttons}>
        {(['delta', 'full'] as const).map((mode) => (
          <div key={mode} className={styles.button}>
            <ReaderTooltip reader={!isGlobalAdmin}>
              <Button appearance={mode === 'delta' ? 'primary' : 'secondary'} icon={<ArrowSyncRegular />} disabled={!isGlobalAdmin || busy || pending}
                onClick={() => void start(mode)} data-testid={`sync-now-${mode}`}>
                {t(`dirsyncManage.syncNow.${mode}`)}
              </Button>
            </ReaderTooltip>
            <Text size={200} className={styles.hint}>{t(`dirsyncManage.syncNow.${mode}Hint`)}</Text>
          </div>
        ))}
      </div>
      <ErrorBar error={error} />
      <ErrorBar error={request.error} onRetry={request.reload} />
      {view ? (
        <div data-testid="sync-now-status" data-status={view.status}>
          {view.status === 'none' ? <Text>{t('dirsyncManage.syncNow.status.none')}</Text> : (
            <>
              <div className={styles.line}>
                <Badge appearance="tint" color={BADGE[view.status]} data-testid="sync-now-state">
                  {t(`dirsyncManage.syncNow.status.${view.status}`, { host: view.agentHost ?? '' })}
                </Badge>
                {view.mode ? <Text>{t(`dirsyncManage.syncNow.requestedBy.${view.mode}`, { user: view.requestedBy ?? '' })}</Text> : null}
                <DateTime value={view.requestedAt} />
              </div>
              {view.status === 'done' && view.outcome ? (
                <Text block data-testid="sync-now-outcome" data-outcome={view.outcome}>{t(`dirsyncManage.syncNow.outcome.${view.outcome}`)}</Text>
              ) : null}
              {view.status === 'interrupted' && view.interruption ? (
                <MessageBar intent="error" data-testid="sync-now-interruption" data-code={view.interruption}>
                  <MessageBarBody>{t(`dirsyncManage.syncNow.interruption.${view.interruption}`, { host: view.agentHost ?? '' })}</MessageBarBody>
                </MessageBar>
              ) : null}
              {view.status === 'requested' && !agentOnline ? (
                <MessageBar intent="warning"><MessageBarBody>{t('dirsyncManage.syncNow.noActiveAgent')}</MessageBarBody></MessageBar>
              ) : null}
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}
