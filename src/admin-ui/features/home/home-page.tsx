import { Body1, Card, CardHeader, Subtitle2, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowSyncRegular, ErrorCircleRegular, PersonRegular, ServerRegular } from '@fluentui/react-icons';
import type { ReactElement, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import { RouterLink } from '../../shared/router-link.js';
import { StateBadge } from '../../shared/state-badge.js';
import { StatusWarnings } from '../../shared/status-warnings.js';
import { DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';

const useStyles = makeStyles({
  grid: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))', gap: tokens.spacingHorizontalL, alignItems: 'start' },
  wide: { gridColumn: 'span 2', '@media (max-width: 900px)': { gridColumn: 'span 1' } },
  fields: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalS, margin: 0 },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0 },
});

function HomeCard({ title, icon, children, className, testId }: { title: string; icon: ReactElement; children: ReactNode; className?: string; testId: string }) {
  return (
    <Card className={className} data-testid={testId} role="region" aria-label={title}>
      <CardHeader image={icon} header={<Subtitle2 as="h2">{title}</Subtitle2>} />
      {children}
    </Card>
  );
}

export function HomePage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const status = useApi((signal) => adminApi.status(signal), 'status');
  const users = useApi((signal) => adminApi.users({ page: 1, pageSize: 1 }, signal), 'users-count');

  return (
    <>
      <PageHeader title={t('home.title')} intro={t('home.intro')} />
      <div className={styles.grid}>
        <HomeCard title={t('home.dirsyncCard.title')} icon={<ArrowSyncRegular fontSize={24} />} className={styles.wide} testId="dirsync-status-card">
          <ErrorBar error={status.error} onRetry={status.reload} />
          {status.loading && !status.data ? <Loading /> : null}
          {status.data ? (
            <>
              <dl className={styles.fields}>
                <dt className={styles.term}>{t('dirsync.state')}</dt>
                <dd className={styles.value}>
                  <StateBadge state={status.data.state} />
                </dd>
                <dt className={styles.term}>{t('dirsync.lastDirectorySync')}</dt>
                <dd className={styles.value}>
                  <DateTime value={status.data.lastDirectorySync} testId="home-last-directory-sync" />
                </dd>
                <dt className={styles.term}>{t('dirsync.lastPasswordSync')}</dt>
                <dd className={styles.value}>
                  <DateTime value={status.data.lastPasswordSync} testId="home-last-password-sync" />
                </dd>
              </dl>
              <StatusWarnings status={status.data} />
            </>
          ) : null}
          <RouterLink to="/dirsync" testId="open-dirsync">
            {t('home.dirsyncCard.open')}
          </RouterLink>
        </HomeCard>
        <HomeCard title={t('home.usersCard.title')} icon={<PersonRegular fontSize={24} />} testId="users-card">
          <ErrorBar error={users.error} onRetry={users.reload} />
          {users.data ? <Body1>{t('home.usersCard.count', { count: users.data.total })}</Body1> : null}
          <RouterLink to="/users">{t('home.usersCard.open')}</RouterLink>
        </HomeCard>
        <HomeCard title={t('home.errorsCard.title')} icon={<ErrorCircleRegular fontSize={24} />} testId="errors-card">
          {status.data ? <Body1>{t('home.errorsCard.count', { count: status.data.syncErrorCount })}</Body1> : null}
          <RouterLink to="/sync-errors">{t('home.errorsCard.open')}</RouterLink>
        </HomeCard>
        <HomeCard title={t('home.agentsCard.title')} icon={<ServerRegular fontSize={24} />} testId="agents-card">
          {status.data ? <Text>{t('home.agentsCard.count', { count: status.data.agents.length })}</Text> : null}
          <RouterLink to="/agents">{t('home.agentsCard.open')}</RouterLink>
        </HomeCard>
      </div>
    </>
  );
}
