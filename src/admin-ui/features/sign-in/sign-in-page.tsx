import { Button, Card, Field, Input, Text, Title2, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from '../../shell/language-picker.js';
import { useSessionState } from '../../shared/session.js';
import { ErrorBar } from '../../shared/ui.js';

const useStyles = makeStyles({
  page: { minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', backgroundColor: tokens.colorNeutralBackground2 },
  card: { width: '380px', padding: tokens.spacingHorizontalXXL },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  product: { color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
});

export function SignInPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { signIn } = useSessionState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <div className={styles.page}>
      <Card className={styles.card}>
        <form className={styles.form} onSubmit={(event) => void submit(event)} data-testid="sign-in-form">
          <Text className={styles.product}>{t('app.productName')}</Text>
          <Title2 as="h1">{t('signIn.title')}</Title2>
          <Text>{t('signIn.intro')}</Text>
          <ErrorBar error={error} />
          <Field label={t('signIn.username')} required>
            <Input name="username" autoComplete="username" value={username} onChange={(_, data) => setUsername(data.value)} data-testid="sign-in-username" />
          </Field>
          <Field label={t('signIn.password')} required>
            <Input name="password" type="password" autoComplete="current-password" value={password} onChange={(_, data) => setPassword(data.value)} data-testid="sign-in-password" />
          </Field>
          <Button appearance="primary" type="submit" disabled={busy || !username || !password} data-testid="sign-in-submit">
            {busy ? t('signIn.signingIn') : t('signIn.submit')}
          </Button>
          <LanguagePicker />
        </form>
      </Card>
    </div>
  );
}
