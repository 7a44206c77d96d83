import {
  Badge, Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, MessageBar, MessageBarBody,
  Subtitle2, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PendingDeletesView } from '../../../tenant/api/dirsync-manage-contract.js';
import { adminApi } from '../../api/endpoints.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';
import { useSession } from '../../shared/session.js';
import { ErrorBar } from '../../shared/ui.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
  cell: { overflowWrap: 'anywhere' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The deletes the guard held back, by name, and the confirmed action that allows them once. */
export function PendingDeletesSection({ pending, onChanged }: { pending: PendingDeletesView; onChanged(): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [allowed, setAllowed] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const allow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = (await adminApi.allowDeletes()) as { allowedDeletes: number };
      setAllowed(result.allowedDeletes);
      setConfirming(false);
      onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={styles.section} aria-labelledby="pending-deletes-heading" data-testid="pending-deletes-section">
      {allowed !== null ? (
        <MessageBar intent="success" data-testid="deletes-allowed"><MessageBarBody>{t('dirsyncManage.pendingDeletes.allowed', { count: allowed })}</MessageBarBody></MessageBar>
      ) : null}
      {pending.total === 0 ? null : (
        <>
          <Subtitle2 as="h2" id="pending-deletes-heading">{t('dirsyncManage.pendingDeletes.title')}</Subtitle2>
          <Text data-testid="pending-deletes">{t('dirsyncManage.pendingDeletes.intro', { count: pending.total })}</Text>
          <Table size="small" aria-labelledby="pending-deletes-heading" data-testid="pending-deletes-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('dirsyncManage.pendingDeletes.name')}</TableHeaderCell>
                <TableHeaderCell>{t('dirsyncManage.pendingDeletes.upnOrDn')}</TableHeaderCell>
                <TableHeaderCell style={{ width: '110px' }}>{t('dirsyncManage.pendingDeletes.kind')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {pending.items.map((item) => (
                <TableRow key={item.anchor} data-testid="pending-delete-row">
                  <TableCell className={styles.cell}>
                    {item.displayName ?? <span className={styles.muted}>{t('dirsyncManage.pendingDeletes.notInTenant')}</span>}
                  </TableCell>
                  <TableCell className={styles.cell} title={item.dn}>{item.userPrincipalName ?? item.dn}</TableCell>
                  <TableCell><Badge appearance="outline">{t(`dirsyncManage.pendingDeletes.kinds.${item.kind}`)}</Badge></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {pending.total > pending.items.length ? <Text>{t('dirsyncManage.pendingDeletes.more', { count: pending.total - pending.items.length })}</Text> : null}
          <div>
            <ReaderTooltip reader={!isGlobalAdmin}>
              <Button appearance="primary" disabled={!isGlobalAdmin} onClick={() => { setError(undefined); setConfirming(true); }} data-testid="allow-deletes">
                {t('dirsyncManage.pendingDeletes.allow')}
              </Button>
            </ReaderTooltip>
          </div>
        </>
      )}
      <Dialog open={confirming} onOpenChange={(_e, data) => { if (!data.open) setConfirming(false); }}>
        <DialogSurface data-testid="allow-deletes-dialog">
          <DialogBody>
            <DialogTitle>{t('dirsyncManage.pendingDeletes.confirmTitle', { count: pending.total })}</DialogTitle>
            <DialogContent>
              <Text block>{t('dirsyncManage.pendingDeletes.confirmBody', { count: pending.total })}</Text>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirming(false)} data-testid="allow-deletes-cancel">{t('dirsyncManage.pendingDeletes.cancel')}</Button>
              <Button appearance="primary" disabled={busy} onClick={() => void allow()} data-testid="allow-deletes-confirm">{t('dirsyncManage.pendingDeletes.confirm')}</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </section>
  );
}
