/**
 * Shown instead of the admin center while the signed-in admin's password was generated or reset:
 * the API answers nothing else until it is changed (PASSWORD_CHANGE_REQUIRED).
 */
import { Button, Card, Field, Input, Text, Title2, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { apiRequest } from '../../api/client.js';
import { useSessionState } from '../../shared/session.js';
import { ErrorBar } from '../../shared/ui.js';

const useStyles = makeStyles({
  page: { minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', backgroundColor: tokens.colorNeutralBackground2 },
  card: { width: '420px', padding: tokens.spacingHorizontalXXL },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export function ChangePasswordPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { retry, signOut } = useSessionState();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== again) {
      setError(new Error(t('changePassword.mismatch')));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await apiRequest<void>('POST', '/api/v1/auth/password', { currentPassword: current, newPassword: next });
      // The session now allows everything: load it again.
      retry();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <div className={styles.page}>
      <Card className={styles.card}>
        <form className={styles.form} onSubmit={(event) => void submit(event)} data-testid="change-password-form">
          <Title2 as="h1" data-testid="page-heading">{t('changePassword.title')}</Title2>
          <Text>{t('changePassword.intro')}</Text>
          <Field label={t('changePassword.current')} required>
            <Input type="password" value={current} onChange={(_e, d) => setCurrent(d.value)} autoComplete="current-password" data-testid="change-password-current" />
          </Field>
          <Field label={t('changePassword.new')} hint={t('changePassword.newHint')} required>
            <Input type="password" value={next} onChange={(_e, d) => setNext(d.value)} autoComplete="new-password" data-testid="change-password-new" />
          </Field>
          <Field label={t('changePassword.again')} required>
            <Input type="password" value={again} onChange={(_e, d) => setAgain(d.value)} autoComplete="new-password" data-testid="change-password-again" />
          </Field>
          <ErrorBar error={error} />
          <Button type="submit" appearance="primary" disabled={busy} data-testid="change-password-submit">{t('changePassword.submit')}</Button>
          <Button appearance="subtle" onClick={() => void signOut()}>{t('changePassword.signOut')}</Button>
        </form>
      </Card>
    </div>
  );
}
