import {
  Field,
  MessageBar,
  MessageBarBody,
  Subtitle2,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirSyncStatus } from '../../../tenant/api/contract.js';
import { adminApi } from '../../api/endpoints.js';
import { ErrorMessage } from '../../shared/error-message.js';
import { localizeRunError } from '../../shared/localize.js';
import { RouterLink } from '../../shared/router-link.js';
import { useSession } from '../../shared/session.js';
import { PreviewSection } from './preview-section.js';
import { ClearVerifiersSection } from './clear-verifiers-section.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';
import { StateBadge } from '../../shared/state-badge.js';
import { StatusWarnings } from '../../shared/status-warnings.js';
import { BoolText, DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { AgentsTable } from '../agents/agents-table.js';
import { addDirsyncManageTexts } from './dirsync-manage-i18n.js';
import { PendingDeletesSection } from './pending-deletes-section.js';
import { ScheduleSection } from './schedule-section.js';
import { SettingsSection } from './settings-section.js';
import { SyncNowSection } from './sync-now-section.js';

addDirsyncManageTexts();

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
  fields: { display: 'grid', gridTemplateColumns: 'minmax(220px, max-content) 1fr', columnGap: tokens.spacingHorizontalXXL, rowGap: tokens.spacingVerticalM, margin: 0 },
  term: { fontWeight: tokens.fontWeightSemibold },
  value: { margin: 0, display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: tokens.spacingVerticalXXS },
  page: { maxWidth: '980px' },
  saved: { marginBottom: tokens.spacingVerticalM },
  description: { color: tokens.colorNeutralForeground3 },
  causes: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

export function DirSyncPage() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const status = useApi((signal) => adminApi.status(signal), 'status');
  const [changeError, setChangeError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const setPasswordSync = async (current: DirSyncStatus, enabled: boolean) => {
    setSaving(true);
    setChangeError(undefined);
    setSaved(null);
    status.setData({ ...current, passwordSyncEnabled: enabled }); // show the change at once
    try {
      const settings = await adminApi.patchSettings({ passwordSyncEnabled: enabled });
      status.setData({ ...current, passwordSyncEnabled: typeof settings.passwordSyncEnabled === 'boolean' ? settings.passwordSyncEnabled : enabled });
      status.reload(); // warnings and the troubleshooter link depend on the setting
      setSaved(enabled ? t('dirsync.passwordSyncTurnedOn') : t('dirsync.passwordSyncTurnedOff'));
    } catch (error) {
      status.setData(current);
      setChangeError(error);
    } finally {
      setSaving(false);
    }
  };

  const pending = useApi((signal) => adminApi.pendingDeletes(signal), 'pending-deletes');
  // Every action on the page ends here: the status, the agents and the held deletes are read again.
  const refresh = useCallback(() => {
    status.reload();
    pending.reload();
  }, [status.reload, pending.reload]);
  // After deletes were allowed the agent runs a full cycle: follow it until the list empties.
  const [following, setFollowing] = useState(false);
  const pendingTotal = pending.data?.total;
  useEffect(() => {
    if (!following) return undefined;
    if (pendingTotal === 0) { setFollowing(false); return undefined; }
    const timer = setTimeout(refresh, 1500);
    return () => clearTimeout(timer);
  }, [following, pendingTotal, pending.data, refresh]);
  const data = status.data;
  const lastCycleError = data?.lastCycle ? localizeRunError(data.lastCycle, t, i18n.language) : null;

  return (
    <div className={styles.page}>
      <PageHeader title={t('dirsync.title')} intro={t('dirsync.intro')} />
      <ErrorBar error={status.error} onRetry={status.reload} />
      <ErrorBar error={changeError} />
      {saved ? (
        <MessageBar intent="success" className={styles.saved} data-testid="dirsync-saved">
          <MessageBarBody>{saved}</MessageBarBody>
        </MessageBar>
      ) : null}
      {status.loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <section className={styles.section}>
            <StatusWarnings status={data} />
            <dl className={styles.fields}>
              <dt className={styles.term}>{t('dirsync.state')}</dt>
              <dd className={styles.value}>
                <span>
                  <StateBadge state={data.state} />
                </span>
              </dd>
              <dt className={styles.term}>{t('dirsync.directorySyncEnabled')}</dt>
              <dd className={styles.value}>
                <BoolText value={data.directorySyncEnabled} testId="directory-sync-enabled" />
              </dd>
              <dt className={styles.term}>{t('dirsync.lastDirectorySync')}</dt>
              <dd className={styles.value}>
                <DateTime value={data.lastDirectorySync} testId="last-directory-sync" />
              </dd>
              <dt className={styles.term}>
                <label htmlFor="password-sync-switch">{t('dirsync.passwordSyncEnabled')}</label>
              </dt>
              <dd className={styles.value}>
                <PasswordSyncSwitch
                  checked={data.passwordSyncEnabled}
                  disabled={!isGlobalAdmin || saving}
                  reader={!isGlobalAdmin}
                  onChange={(enabled) => void setPasswordSync(data, enabled)}
                />
                <Text size={200} className={styles.description} id="password-sync-description">
                  {t('dirsync.passwordSyncDescription')}
                </Text>
                {data.passwordSyncEnabled ? null : (
                  // As in Entra ID: switching off stops new hashes; the synced ones keep working until removed.
                  <MessageBar intent="info" data-testid="passwords-kept">
                    <MessageBarBody>
                      {data.passwords.usersWithPassword > 0
                        ? t('dirsync.passwordsKept', { count: data.passwords.usersWithPassword })
                        : t('dirsync.passwordsNoneKept')}
                    </MessageBarBody>
                  </MessageBar>
                )}
              </dd>
              <dt className={styles.term}>{t('dirsync.lastPasswordSync')}</dt>
              <dd className={styles.value}>
                <DateTime value={data.lastPasswordSync} testId="last-password-sync" />
              </dd>
              <dt className={styles.term}>{t('dirsync.usersWithPassword')}</dt>
              <dd className={styles.value} data-testid="users-with-password">
                {data.passwords.usersWithPassword}
              </dd>
              {data.passwords.usersWithoutPassword > 0 ? (
                <>
                  <dt className={styles.term}>{t('dirsync.usersWithoutPassword')}</dt>
                  <dd className={styles.value}>
                    <span data-testid="users-without-password">{data.passwords.usersWithoutPassword}</span>
                    <ul className={styles.causes} data-testid="password-problems">
                      {data.passwords.problems.map((problem) => (
                        <li key={problem.cause} data-cause={problem.cause}>
                          {t('dirsync.causeCount', { count: problem.count, cause: t(`dirsync.cause.${problem.cause}`) })}
                        </li>
                      ))}
                    </ul>
                    <RouterLink to="/sync-errors" testId="password-problems-link">
                      {t('dirsync.viewSyncErrors')}
                    </RouterLink>
                  </dd>
                </>
              ) : null}
              <dt className={styles.term}>{t('dirsync.syncClientVersion')}</dt>
              <dd className={styles.value} data-testid="sync-client-version">
                {data.syncClientVersion ?? t('common.none')}
              </dd>
              <dt className={styles.term}>{t('dirsync.syncServiceAccount')}</dt>
              <dd className={styles.value} data-testid="sync-service-account">
                {data.syncServiceAccount ?? t('common.none')}
              </dd>
              <dt className={styles.term}>{t('dirsync.objectsInError')}</dt>
              <dd className={styles.value}>
                <span data-testid="objects-in-error">{data.syncErrorCount}</span>
                <RouterLink to="/sync-errors" testId="sync-errors-link">
                  {t('dirsync.viewSyncErrors')}
                </RouterLink>
              </dd>
              {data.lastCycle ? (
                <>
                  <dt className={styles.term}>{t('dirsync.lastCycle')}</dt>
                  <dd className={styles.value} data-testid="last-cycle">
                    <span>
                      {t(`dirsync.cycleKind.${data.lastCycle.kind}`)} · {t(`dirsync.outcome.${data.lastCycle.outcome}`, { defaultValue: data.lastCycle.outcome })}
                      {data.lastCycle.errorCode ? ` · ${data.lastCycle.errorCode}` : ''}
                    </span>
                    {lastCycleError ? (
                      <Text data-testid="last-cycle-error"><ErrorMessage message={lastCycleError.message} parts={lastCycleError.parts} />{lastCycleError.hint ? ` ${lastCycleError.hint}` : ''}</Text>
                    ) : null}
                    <DateTime value={data.lastCycle.finishedAt} />
                  </dd>
                </>
              ) : null}
              <dt className={styles.term}>{t('dirsync.deleteThreshold')}</dt>
              <dd className={styles.value} data-testid="delete-threshold">
                {t('dirsync.deleteThresholdText', { threshold: data.deleteThreshold, percent: data.deleteThresholdPercent })}
              </dd>
            </dl>
            <Text size={200} className={styles.description}>
              {t('dirsync.staleAfter', { hours: data.staleAfterHours })}
            </Text>
          </section>
          {pending.data ? <PendingDeletesSection pending={pending.data} onChanged={() => { refresh(); setFollowing(true); }} /> : null}
          <ErrorBar error={pending.error} onRetry={pending.reload} />
          <SyncNowSection agentOnline={data.agents.some((a) => a.state === 'active' || a.state === 'standby')} onDone={refresh} />
          <ScheduleSection agents={data.agents} />
          <SettingsSection status={data} onSaved={refresh} />
          <section className={styles.section} aria-labelledby="agents-heading">
            <Subtitle2 as="h2" id="agents-heading">
              {t('dirsync.agents')}
            </Subtitle2>
            <AgentsTable agents={data.agents} />
          </section>
          <PreviewSection />
          <ClearVerifiersSection />
        </>
      ) : null}
    </div>
  );
}

function PasswordSyncSwitch({ checked, disabled, reader, onChange }: { checked: boolean; disabled: boolean; reader: boolean; onChange(enabled: boolean): void }) {
  const { t } = useTranslation();
  return (
    <ReaderTooltip reader={reader}>
      <Field>
        <Switch
          id="password-sync-switch"
          checked={checked}
          disabled={disabled}
          label={checked ? t('common.true') : t('common.false')}
          aria-describedby="password-sync-description"
          onChange={(_, data) => onChange(data.checked)}
          data-testid="password-sync-switch"
        />
      </Field>
    </ReaderTooltip>
  );
}

/** A disabled control fires no pointer events, so the tooltip sits on a wrapper around it. */

