import { Badge, Body1, Button, Card, CardHeader, Field, Input, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import { CheckmarkCircleRegular, ErrorCircleRegular, SearchRegular, WarningRegular } from '@fluentui/react-icons';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import type { PasswordTrace } from '../../../tenant/api/contract.js';
import { ErrorBar, Loading, useLocale } from '../../shared/ui.js';
import { describeTraceStep } from './describe-trace.js';

const useStyles = makeStyles({
  form: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  steps: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, margin: 0, padding: 0, listStyle: 'none' },
  step: { display: 'grid', gridTemplateColumns: '12rem 7rem 1fr', gap: tokens.spacingHorizontalM, alignItems: 'start' },
  action: { color: tokens.colorNeutralForeground2 },
});

const LOOK = {
  ok: { color: 'success', icon: <CheckmarkCircleRegular /> },
  warning: { color: 'warning', icon: <WarningRegular /> },
  error: { color: 'danger', icon: <ErrorCircleRegular /> },
} as const;

/** The per-user password sync trace: one user's password from the directory to the tenant, and what to do. */
export function PasswordTraceCard() {
  const styles = useStyles();
  const { t } = useTranslation();
  const [user, setUser] = useState('');
  const [trace, setTrace] = useState<PasswordTrace | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);

  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (!user.trim()) return;
    setLoading(true);
    setError(undefined);
    try {
      setTrace(await adminApi.passwordTrace(user.trim()));
    } catch (e) {
      setError(e);
      setTrace(null);
    } finally {
      setLoading(false);
    }
  };

  return (
    <Card data-testid="password-trace">
      <CardHeader header={<Subtitle2 as="h2">{t('troubleshooter.trace.title')}</Subtitle2>} description={<Body1>{t('troubleshooter.trace.intro')}</Body1>} />
      <form className={styles.form} onSubmit={run}>
        <Field label={t('troubleshooter.trace.user')}>
          <Input value={user} onChange={(_, d) => setUser(d.value)} placeholder="name@example.org" data-testid="password-trace-user" />
        </Field>
        <Button type="submit" appearance="primary" icon={<SearchRegular />} disabled={loading || !user.trim()} data-testid="password-trace-run">
          {t('troubleshooter.trace.run')}
        </Button>
        {loading ? <Loading /> : null}
      </form>
      <ErrorBar error={error} />
      {trace ? <PasswordTraceSteps trace={trace} /> : null}
    </Card>
  );
}

/** The steps of one trace, each with its verdict, what was found and what to do (also on the user detail page). */
export function PasswordTraceSteps({ trace }: { trace: PasswordTrace }) {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  return (
    <ol className={styles.steps} data-testid="password-trace-steps" data-verdict={trace.verdict}>
      {trace.steps.map((step) => ({ step, text: describeTraceStep(step, i18n, locale) })).map(({ step, text }) => (
        <li key={step.id} className={styles.step} data-testid="password-trace-step" data-step-id={step.id} data-verdict={step.verdict}>
          <Body1>{t(`troubleshooter.trace.steps.${step.id}`)}</Body1>
          <Badge appearance="filled" color={LOOK[step.verdict].color} icon={LOOK[step.verdict].icon}>{t(`troubleshooter.verdict.${step.verdict}`)}</Badge>
          <div>
            <Body1>{text.found}</Body1>
            {text.action ? <Body1 block className={styles.action}>{t('troubleshooter.action')}: {text.action}</Body1> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}
