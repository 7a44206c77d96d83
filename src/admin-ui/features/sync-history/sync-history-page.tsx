import { Badge, Card, CardHeader, ProgressBar, Subtitle2, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { Fragment, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RunningSync, SyncRunView } from '../../../tenant/api/detail-contract.js';
import { adminApi } from '../../api/endpoints.js';
import { ErrorMessage } from '../../shared/error-message.js';
import { localizeRunError } from '../../shared/localize.js';
import { DateTime, ErrorBar, Loading, PageHeader, Pager, useLocale } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { formatDuration } from './format-duration.js';

const PAGE_SIZE = 25;
/** Refresh while a run is in progress (the agent reports it with each heartbeat), and slower otherwise so new runs appear. */
const REFRESH_RUNNING_MS = 2_000;
const REFRESH_IDLE_MS = 10_000;

const useStyles = makeStyles({
  running: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalL },
  progress: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, padding: `0 ${tokens.spacingHorizontalM} ${tokens.spacingVerticalM}` },
  // Sized by content, not Fluent's fixed layout of equal columns (which squeezed the reasons into
  // narrow columns); no minimum width: at 1024 px the columns wrap instead of the page scrolling sideways.
  // Five columns, not eleven: kind with mode, start with duration, the counts in one cell, so at
  // 1024 px every word fits whole and the reason keeps a readable width.
  table: {
    tableLayout: 'auto',
    '& td': { overflowWrap: 'break-word', wordBreak: 'normal', verticalAlign: 'top' },
    '& th': { overflowWrap: 'break-word', wordBreak: 'normal' },
  },
  secondary: { display: 'block', color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  counts: { display: 'grid', gridTemplateColumns: 'auto auto', columnGap: tokens.spacingHorizontalS, margin: 0, whiteSpace: 'nowrap' },
  count: { margin: 0, textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  // Wide enough that ordinary words fit whole: a reason wraps between words (only a token longer than
  // the whole cell breaks). 'anywhere' let the column shrink until words broke mid-way at 1024 px.
  error: { minWidth: '14rem', maxWidth: '28rem', overflowWrap: 'break-word' },
  badge: { whiteSpace: 'normal', height: 'auto', textAlign: 'center' },
});

const COUNT_NAMES = ['added', 'updated', 'deleted', 'derived', 'errors'] as const;
const OUTCOME_COLOR = { success: 'success', partial: 'warning', failed: 'danger', blocked: 'warning' } as const;

export function SyncHistoryPage() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const [page, setPage] = useState(1);
  const history = useApi((signal) => adminApi.syncRuns({ page, pageSize: PAGE_SIZE }, signal), String(page));
  const running = history.data?.running ?? [];
  const { reload } = history;

  // Refreshes on its own: fast while something runs, so the counts move as the agent reports them.
  useEffect(() => {
    const timer = setTimeout(reload, running.length > 0 ? REFRESH_RUNNING_MS : REFRESH_IDLE_MS);
    return () => clearTimeout(timer);
  }, [history.data, reload, running.length]);

  const number = new Intl.NumberFormat(locale);
  // The code's template with the run's facts in the admin's language, then what to do.
  const errorText = (run: SyncRunView) => {
    const text = localizeRunError(run, t, i18n.language);
    if (!text) return null;
    return <><ErrorMessage message={text.message} parts={text.parts} />{text.hint ? ` ${text.hint}` : ''}</>;
  };

  return (
    <>
      <PageHeader title={t('syncHistory.title')} intro={t('syncHistory.intro')} />
      <ErrorBar error={history.error} onRetry={history.reload} />
      <Card className={styles.running} data-testid="sync-running" data-running={running.length > 0}>
        <CardHeader header={<Subtitle2 as="h2">{t('syncHistory.running')}</Subtitle2>} />
        {running.length === 0 ? <Text data-testid="sync-none-running">{t('syncHistory.noneRunning')}</Text> : running.map((r) => <RunningProgress key={r.agentId} run={r} />)}
      </Card>
      {history.loading && !history.data ? <Loading /> : null}
      {history.data ? (
        <>
          <Table aria-label={t('syncHistory.title')} className={styles.table} size="small" data-testid="sync-runs-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('syncHistory.kindLabel')}</TableHeaderCell>
                <TableHeaderCell>{t('syncHistory.outcomeLabel')}</TableHeaderCell>
                <TableHeaderCell>{t('syncHistory.start')}</TableHeaderCell>
                <TableHeaderCell>{t('syncHistory.countsLabel')}</TableHeaderCell>
                <TableHeaderCell className={styles.error}>{t('syncHistory.error')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {history.data.items.map((run) => (
                <TableRow key={run.id} data-testid="sync-run-row" data-kind={run.kind} data-mode={run.mode ?? ''} data-outcome={run.outcome}>
                  <TableCell>
                    {t(`syncHistory.kind.${run.kind}`)}
                    <span className={styles.secondary}>{t('syncHistory.modeLabel')}: {t(`syncHistory.mode.${run.mode ?? 'none'}`, { defaultValue: run.mode ?? '—' })}</span>
                  </TableCell>
                  <TableCell>
                    <Badge appearance="tint" className={styles.badge} color={OUTCOME_COLOR[run.outcome]}>{t(`syncHistory.outcome.${run.outcome}`)}</Badge>
                  </TableCell>
                  <TableCell>
                    <DateTime value={run.startedAt} testId="sync-run-start" />
                    <span className={styles.secondary}>{t('syncHistory.duration')}: <span data-testid="sync-run-duration">{formatDuration(run.durationMs, locale)}</span></span>
                  </TableCell>
                  <TableCell>
                    <dl className={styles.counts}>
                      {COUNT_NAMES.map((name) => (
                        <Fragment key={name}>
                          <dt>{t(`syncHistory.${name}`)}</dt>
                          <dd className={styles.count} data-testid={`sync-run-${name}`}>{number.format(run.counts[name])}</dd>
                        </Fragment>
                      ))}
                    </dl>
                  </TableCell>
                  <TableCell className={styles.error} data-testid="sync-run-error" data-code={run.errorCode ?? ''}>{errorText(run) ?? '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {history.data.items.length === 0 ? <Text>{t('syncHistory.noRuns')}</Text> : null}
          <Pager page={history.data.page} pageSize={history.data.pageSize} total={history.data.total} onPage={setPage} />
        </>
      ) : null}
    </>
  );
}

/** One agent's running cycles: objects read (of about how many) and passwords done of how many, with the time left. */
function RunningProgress({ run }: { run: RunningSync }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const locale = useLocale();
  const n = (value: number) => new Intl.NumberFormat(locale).format(value);
  const eta = (seconds: number | null) => (seconds === null ? t('syncHistory.etaUnknown') : t('syncHistory.eta', { minutes: n(Math.max(1, Math.round(seconds / 60))) }));
  const d = run.directory;
  const p = run.password;
  return (
    <>
      {d ? (
        <div className={styles.progress} data-testid="running-directory">
          <Text weight="semibold">{t('syncHistory.directoryRunning', { mode: t(`syncHistory.mode.${d.mode}`), host: run.host })} · {t(`syncHistory.phase.${d.phase}`)}</Text>
          <ProgressBar value={d.expected ? Math.min(1, d.read / d.expected) : undefined} thickness="large" />
          <Text data-testid="running-directory-counts">
            {d.expected
              ? t('syncHistory.objectsOf', { read: n(d.read), expected: n(d.expected), exported: n(d.exported), errors: n(d.errors) })
              : t('syncHistory.objects', { read: n(d.read), exported: n(d.exported), errors: n(d.errors) })}
            {' · '}{eta(d.etaSeconds)}
          </Text>
          <Text size={200}>{t('syncHistory.startedAt')}: <DateTime value={d.startedAt} /></Text>
        </div>
      ) : null}
      {p ? (
        <div className={styles.progress} data-testid="running-password">
          <Text weight="semibold">{t('syncHistory.passwordRunning', { mode: t(`syncHistory.mode.${p.mode}`), host: run.host })}</Text>
          {/* Only a full read knows "of how many"; a delta learns its size as it reads, so no bar can fill. */}
          <ProgressBar value={p.mode === 'full' && p.total > 0 ? Math.min(1, p.processed / p.total) : undefined} thickness="large" />
          <Text data-testid="running-password-counts">
            {p.mode === 'full'
              ? <>{t('syncHistory.passwordsOf', { processed: n(p.processed), total: n(p.total), derived: n(p.derived) })}{' · '}{eta(p.etaSeconds)}</>
              : t('syncHistory.passwordsSoFar', { processed: n(p.processed), derived: n(p.derived) })}
          </Text>
          <Text size={200}>{t('syncHistory.startedAt')}: <DateTime value={p.startedAt} /></Text>
        </div>
      ) : null}
    </>
  );
}
