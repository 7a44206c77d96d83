import {
  Body1, Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, DialogTrigger,
  Field, Input, MessageBar, MessageBarBody, Subtitle2, makeStyles, tokens,
} from '@fluentui/react-components';
import { DeleteRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi, CLEAR_VERIFIERS_CONFIRMATION } from '../../api/endpoints.js';
import { ErrorBar } from '../../shared/ui.js';
import { useSession } from '../../shared/session.js';
import { ReaderTooltip } from '../../shared/reader-tooltip.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, alignItems: 'flex-start' },
});

/**
 * The deliberate removal of every synced password hash: confirmed by typing the exact words, audited
 * by the tenant. Separate from switching password sync off, which only stops the sending.
 */
export function ClearVerifiersSection() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [cleared, setCleared] = useState<number | null>(null);

  const clear = async () => {
    setError(undefined);
    try {
      const result = await adminApi.clearVerifiers(typed);
      setCleared(result.cleared);
      setOpen(false);
      setTyped('');
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className={styles.section} aria-labelledby="clear-verifiers-heading">
      <Subtitle2 as="h2" id="clear-verifiers-heading">{t('dirsync.clearVerifiers.title')}</Subtitle2>
      <Body1>{t('dirsync.clearVerifiers.intro')}</Body1>
      <ReaderTooltip reader={!isGlobalAdmin}>
        <Button icon={<DeleteRegular />} disabled={!isGlobalAdmin} onClick={() => setOpen(true)} data-testid="clear-verifiers">{t('dirsync.clearVerifiers.button')}</Button>
      </ReaderTooltip>
      <Dialog open={open} onOpenChange={(_, d) => { setOpen(d.open); setTyped(''); }}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{t('dirsync.clearVerifiers.title')}</DialogTitle>
            <DialogContent>
              <Body1 block>{t('dirsync.clearVerifiers.confirmText', { phrase: CLEAR_VERIFIERS_CONFIRMATION })}</Body1>
              <Field label={t('dirsync.clearVerifiers.typeLabel')}>
                <Input value={typed} onChange={(_, d) => setTyped(d.value)} data-testid="clear-verifiers-phrase" />
              </Field>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">{t('dirsync.clearVerifiers.cancel')}</Button>
              </DialogTrigger>
              <Button appearance="primary" disabled={typed !== CLEAR_VERIFIERS_CONFIRMATION} onClick={() => void clear()} data-testid="clear-verifiers-confirm">
                {t('dirsync.clearVerifiers.confirm')}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
      {cleared !== null ? (
        <MessageBar intent="success" data-testid="clear-verifiers-done"><MessageBarBody>{t('dirsync.clearVerifiers.done', { count: cleared })}</MessageBarBody></MessageBar>
      ) : null}
    </section>
  );
}
