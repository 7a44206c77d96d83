import { Subtitle2, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { AgentView } from '../../../tenant/api/contract.js';
import { DateTime } from '../../shared/ui.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
});

/** An interval in the largest whole unit that fits (90 s stays seconds; 1.5 h shows as 90 minutes). */
export function formatInterval(ms: number, t: TFunction): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 3600 === 0 && seconds >= 3600) return t('dirsyncManage.schedule.hours', { count: seconds / 3600 });
  if (seconds % 60 === 0 && seconds >= 60) return t('dirsyncManage.schedule.minutes', { count: seconds / 60 });
  return t('dirsyncManage.schedule.seconds', { count: seconds });
}

/** The schedule of the agent that syncs (the active one, else the most recently heard). */
export function ScheduleSection({ agents }: { agents: AgentView[] }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const online = agents.filter((a) => a.state !== 'offline' && a.state !== 'revoked' && a.schedule);
  const agent = online.find((a) => a.state === 'active') ?? online[0];
  const schedule = agent?.schedule;
  const rows = schedule ? [
    { id: 'delta', every: schedule.deltaMs, next: schedule.nextDeltaAt },
    { id: 'full', every: schedule.fullMs, next: schedule.nextFullAt },
    { id: 'password', every: schedule.passwordMs, next: schedule.nextPasswordAt },
    { id: 'reconcile', every: schedule.passwordReconcileMs, next: schedule.nextPasswordReconcileAt },
    { id: 'heartbeat', every: schedule.heartbeatMs, next: null },
  ] : [];
  return (
    <section className={styles.section} aria-labelledby="schedule-heading" data-testid="schedule">
      <Subtitle2 as="h2" id="schedule-heading">{t('dirsyncManage.schedule.title')}</Subtitle2>
      {!schedule ? <Text data-testid="schedule-none">{t('dirsyncManage.schedule.none')}</Text> : (
        <>
          <Text>{t('dirsyncManage.schedule.intro')} ({agent.host})</Text>
          <Table size="small" aria-labelledby="schedule-heading" data-testid="schedule-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('dirsyncManage.schedule.cycle')}</TableHeaderCell>
                <TableHeaderCell>{t('dirsyncManage.schedule.every')}</TableHeaderCell>
                <TableHeaderCell>{t('dirsyncManage.schedule.next')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((row) => (
                <TableRow key={row.id} data-testid={`schedule-${row.id}`}>
                  <TableCell>{t(`dirsyncManage.schedule.${row.id}`)}</TableCell>
                  <TableCell data-testid="schedule-every">{formatInterval(row.every, t)}</TableCell>
                  <TableCell>{row.id === 'heartbeat' ? '—' : <DateTime value={row.next} testId="schedule-next" />}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </section>
  );
}
