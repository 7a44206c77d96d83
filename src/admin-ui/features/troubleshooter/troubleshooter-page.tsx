import { Badge, Body1, Button, Card, CardHeader, Subtitle2, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, CheckmarkCircleRegular, ErrorCircleRegular, WarningRegular } from '@fluentui/react-icons';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router-dom';
import { adminApi } from '../../api/endpoints.js';
import { DateTime, ErrorBar, Loading, PageHeader, useLocale } from '../../shared/ui.js';
import { describeCheck } from './describe-check.js';
import { useApi } from '../../shared/use-api.js';
import { PasswordTraceCard } from './password-trace.js';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '980px' },
  ranAt: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, marginBottom: tokens.spacingVerticalM },
  fields: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0 },
  target: { outline: `2px solid ${tokens.colorBrandStroke1}` },
});

const VERDICT_LOOK = {
  ok: { color: 'success', icon: <CheckmarkCircleRegular /> },
  warning: { color: 'warning', icon: <WarningRegular /> },
  error: { color: 'danger', icon: <ErrorCircleRegular /> },
} as const;

export function TroubleshooterPage() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const locale = useLocale();
  const report = useApi((signal) => adminApi.troubleshooter(signal), 'troubleshooter');
  const target = decodeURIComponent(location.hash.replace(/^#/, ''));

  // A warning's link can point at one check (/troubleshooter#password_sync_stale): bring it into view.
  useEffect(() => {
    if (target && report.data) document.getElementById(`check-${target}`)?.scrollIntoView({ block: 'center' });
  }, [target, report.data]);

  return (
    <>
      <PageHeader title={t('troubleshooter.title')} intro={t('troubleshooter.intro')} />
      <div className={styles.ranAt}>
        <Button icon={<ArrowClockwiseRegular />} onClick={report.reload} disabled={report.loading} data-testid="troubleshooter-run-again">
          {t('troubleshooter.runAgain')}
        </Button>
        {report.data ? (
          <Text data-testid="troubleshooter-ran-at">
            {t('troubleshooter.ranAt')}{' '}
            <DateTime value={report.data.ranAt} />
          </Text>
        ) : null}
        {report.loading && report.data ? <Loading /> : null}
      </div>
      <ErrorBar error={report.error} onRetry={report.reload} />
      {report.loading && !report.data ? <Loading /> : null}
      {report.data ? (
        <div className={styles.list} data-testid="troubleshooter-checks">
          {report.data.checks.map((check) => {
            const text = describeCheck(check, i18n, locale);
            const look = VERDICT_LOOK[check.verdict];
            return (
              <Card
                key={check.id}
                id={`check-${check.id}`}
                className={mergeClasses(target === check.id && styles.target)}
                data-testid="troubleshooter-check"
                data-check-id={check.id}
                data-verdict={check.verdict}
              >
                <CardHeader
                  header={<Subtitle2 as="h2">{t(`troubleshooter.checks.${check.id}.name`, { defaultValue: check.id })}</Subtitle2>}
                  action={
                    <Badge appearance="filled" color={look.color} icon={look.icon} data-testid="check-verdict">
                      {t(`troubleshooter.verdict.${check.verdict}`)}
                    </Badge>
                  }
                />
                <dl className={styles.fields}>
                  <dt className={styles.term}>{t('troubleshooter.found')}</dt>
                  <dd className={styles.value}>
                    <Body1 data-testid="check-found">{text.found}</Body1>
                  </dd>
                  {text.action ? (
                    <>
                      <dt className={styles.term}>{t('troubleshooter.action')}</dt>
                      <dd className={styles.value}>
                        <Body1 data-testid="check-action">{text.action}</Body1>
                      </dd>
                    </>
                  ) : null}
                </dl>
              </Card>
            );
          })}
        </div>
      ) : null}
      <div className={styles.list} style={{ marginTop: tokens.spacingVerticalXL }}>
        <PasswordTraceCard />
      </div>
    </>
  );
}
