import { Body1, Button, MessageBar, MessageBarBody, Subtitle2, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { EyeRegular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import type { CyclePreview } from '../../../tenant/api/contract.js';
import { ErrorMessage } from '../../shared/error-message.js';
import { localizeRunError } from '../../shared/localize.js';
import { DateTime, ErrorBar, Loading } from '../../shared/ui.js';
import { useSession } from '../../shared/session.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  table: { maxWidth: '980px' },
});

/**
 * Preview of the next directory cycle: the admin asks, the agent runs a dry run at its next
 * heartbeat and answers with what it would add, update and delete. Nothing is exported.
 */
export function PreviewSection() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const [preview, setPreview] = useState<CyclePreview | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    adminApi.preview(controller.signal).then(setPreview, (e: unknown) => { if (!controller.signal.aborted) setError(e); });
    return () => controller.abort();
  }, []);

  // While the agent works on it, ask again every two seconds.
  useEffect(() => {
    if (preview?.status !== 'pending') return;
    const timer = setInterval(() => { adminApi.preview().then(setPreview, setError); }, 2000);
    return () => clearInterval(timer);
  }, [preview?.status]);

  const request = async () => {
    setError(undefined);
    try {
      setPreview(await adminApi.requestPreview());
    } catch (e) {
      setError(e);
    }
  };

  const result = preview?.status === 'ready' ? preview.result : null;
  const previewError = result ? localizeRunError(result, t, i18n.language) : null;
  const rows = result ? [
    ...result.adds.map((o) => ({ change: 'add' as const, ...o })),
    ...result.updates.map((o) => ({ change: 'update' as const, ...o })),
    ...result.deletes.map((o) => ({ change: 'delete' as const, ...o })),
  ] : [];
  return (
    <section className={styles.section} aria-labelledby="preview-heading" data-testid="preview-section" data-status={preview?.status ?? 'none'}>
      <Subtitle2 as="h2" id="preview-heading">{t('dirsync.preview.title')}</Subtitle2>
      <Body1>{t('dirsync.preview.intro')}</Body1>
      <div className={styles.row}>
        <ReaderTooltip reader={!isGlobalAdmin}>
          <Button icon={<EyeRegular />} disabled={!isGlobalAdmin || preview?.status === 'pending'} onClick={() => void request()} data-testid="preview-request">
            {t('dirsync.preview.request')}
          </Button>
        </ReaderTooltip>
        {preview?.status === 'pending' ? (<><Loading /><Text>{t('dirsync.preview.pending')}</Text></>) : null}
        {preview?.completedAt ? (<Text>{t('dirsync.preview.completedAt')} <DateTime value={preview.completedAt} /></Text>) : null}
      </div>
      <ErrorBar error={error} />
      {result ? (
        <>
          {result.errorCode ? (
            <MessageBar intent="error" data-testid="preview-error"><MessageBarBody>{result.errorCode}: {previewError ? <><ErrorMessage message={previewError.message} parts={previewError.parts} />{previewError.hint ? ` ${previewError.hint}` : ''}</> : result.errorMessage}</MessageBarBody></MessageBar>
          ) : null}
          {result.deleteThresholdExceeded ? (
            <MessageBar intent="warning" data-testid="preview-threshold"><MessageBarBody>{t('dirsync.preview.threshold', { count: result.counts.deletes })}</MessageBarBody></MessageBar>
          ) : null}
          <Text data-testid="preview-counts">
            {t('dirsync.preview.counts', { adds: result.counts.adds, updates: result.counts.updates, deletes: result.counts.deletes, unchanged: result.counts.unchanged, errors: result.counts.errors })}
          </Text>
          {rows.length > 0 ? (
            <Table size="small" className={styles.table} aria-label={t('dirsync.preview.title')} data-testid="preview-table">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>{t('dirsync.preview.change')}</TableHeaderCell>
                  <TableHeaderCell>{t('dirsync.preview.kind')}</TableHeaderCell>
                  <TableHeaderCell>DN</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((row) => (
                  <TableRow key={`${row.change}:${row.dn}`} data-change={row.change}>
                    <TableCell>{t(`dirsync.preview.changes.${row.change}`)}</TableCell>
                    <TableCell>{t(`dirsync.preview.kinds.${row.kind}`)}</TableCell>
                    <TableCell>{row.dn}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
