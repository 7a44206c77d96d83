/**
 * Alerts: what is wrong now, where notifications go (e-mail, webhooks) and what was sent. Global
 * admins add, test and remove channels; readers see the page.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular, SendRegular } from '@fluentui/react-icons';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertChannelKindView, AlertChannelView, AlertDeliveryView, AlertsView } from '../../../tenant/api/alerts-contract.js';
import { localizeByCode } from '../../shared/localize.js';
import { useSession } from '../../shared/session.js';
import { DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { alertsApi } from './alerts-api.js';
import { addAlertsTexts } from './alerts-i18n.js';

addAlertsTexts();

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '1100px' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '640px' },
  mono: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  wrap: { overflowWrap: 'anywhere' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export function AlertsPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const alerts = useApi((signal) => alertsApi.get(signal), 'alerts');
  const [notice, setNotice] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const data = alerts.data;

  return (
    <>
      <PageHeader title={t('alerts.title')} intro={t('alerts.intro')} />
      <ErrorBar error={alerts.error} onRetry={alerts.reload} />
      {alerts.loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <section className={styles.section}>
            <Subtitle2 as="h2">{t('alerts.openTitle')}</Subtitle2>
            <OpenAlerts open={data.open} />
          </section>
          <section className={styles.section}>
            <Subtitle2 as="h2">{t('alerts.channelsTitle')}</Subtitle2>
            {notice ? (
              <MessageBar intent={notice.intent} data-testid="alert-notice">
                <MessageBarBody>{notice.text}</MessageBarBody>
              </MessageBar>
            ) : null}
            <Channels data={data} canChange={isGlobalAdmin} onChanged={(text, intent = 'success') => { setNotice(text ? { intent, text } : null); alerts.reload(); }} />
            {isGlobalAdmin ? <AddChannelForm smtpConfigured={data.smtpConfigured} onAdded={() => { setNotice({ intent: 'success', text: t('alerts.added') }); alerts.reload(); }} /> : null}
          </section>
          <section className={styles.section}>
            <Subtitle2 as="h2">{t('alerts.deliveriesTitle')}</Subtitle2>
            <Deliveries data={data} />
          </section>
        </>
      ) : null}
    </>
  );
}

/** The words for a warning code in the admin's language (the stale rules share one sentence). */
/** A delivery's last failure in the admin's language: its code's template with its facts, else the stored English. */
function useDeliveryError(): (delivery: AlertDeliveryView) => string {
  const { t, i18n } = useTranslation();
  return (delivery) => {
    if (!delivery.lastError) return '';
    if (!delivery.lastErrorCode) return delivery.lastError;
    return localizeByCode(delivery.lastErrorCode, { message: delivery.lastError, hint: '', params: delivery.lastErrorParams }, t, i18n.language).message;
  };
}

function useDescribe() {
  const { t } = useTranslation();
  return (code: string): string => (code === 'TEST' ? t('alerts.testMessage') : t(`warnings.message.${code}`, { defaultValue: t('warnings.stale') }));
}

function OpenAlerts({ open }: { open: AlertsView['open'] }) {
  const { t } = useTranslation();
  const describe = useDescribe();
  if (open.length === 0) return <Text data-testid="alerts-none-open">{t('alerts.noneOpen')}</Text>;
  return (
    <Table size="small" aria-label={t('alerts.openTitle')} data-testid="alerts-open-table">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('alerts.what')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.since')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.lastNotified')}</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {open.map((a) => (
          <TableRow key={a.code} data-testid="alert-open-row" data-code={a.code}>
            <TableCell><strong>{t(`warnings.title.${a.code}`)}</strong>: {describe(a.code)}</TableCell>
            <TableCell><DateTime value={a.raisedAt} /></TableCell>
            <TableCell><DateTime value={a.lastNotifiedAt} /></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Channels({ data, canChange, onChanged }: { data: AlertsView; canChange: boolean; onChanged(text: string | null, intent?: 'success' | 'error'): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const deliveryError = useDeliveryError();
  const [confirming, setConfirming] = useState<AlertChannelView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const test = async (channel: AlertChannelView) => {
    setBusy(channel.id);
    try {
      const delivery = await alertsApi.test(channel.id);
      onChanged(delivery.state === 'delivered'
        ? t('alerts.testDelivered', { target: channel.target })
        : t('alerts.testFailed', { target: channel.target, error: deliveryError(delivery) }), delivery.state === 'delivered' ? 'success' : 'error');
    } catch (caught) {
      onChanged(caught instanceof Error ? caught.message : String(caught), 'error');
    } finally {
      setBusy(null);
    }
  };

  const remove = async (channel: AlertChannelView) => {
    setBusy(channel.id);
    setError(undefined);
    try {
      await alertsApi.removeChannel(channel.id);
      setConfirming(null);
      onChanged(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  if (data.channels.length === 0) return <Text data-testid="alerts-no-channels">{t('alerts.noChannels')}</Text>;
  return (
    <>
      <Table size="small" aria-label={t('alerts.channelsTitle')} data-testid="alert-channels-table">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('alerts.kind')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.target')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.signed')}</TableHeaderCell>
            {canChange ? <TableHeaderCell /> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.channels.map((channel) => (
            <TableRow key={channel.id} data-testid="alert-channel-row">
              <TableCell>{t(`alerts.${channel.kind}`)}</TableCell>
              <TableCell className={styles.mono} title={channel.target}>{channel.target}</TableCell>
              <TableCell>{channel.kind === 'webhook' ? (channel.signed ? t('alerts.yes') : t('alerts.no')) : ''}</TableCell>
              {canChange ? (
                <TableCell>
                  <span className={styles.actions}>
                    <Button icon={<SendRegular />} disabled={busy !== null} onClick={() => void test(channel)} data-testid="alert-channel-test">{t('alerts.sendTest')}</Button>
                    <Button icon={<DeleteRegular />} disabled={busy !== null} onClick={() => setConfirming(channel)} data-testid="alert-channel-remove">{t('alerts.remove')}</Button>
                  </span>
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Dialog open={confirming !== null} onOpenChange={(_e, d) => { if (!d.open) setConfirming(null); }}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{t('alerts.removeTitle', { target: confirming?.target ?? '' })}</DialogTitle>
            <DialogContent>
              <Text block>{t('alerts.removeBody')}</Text>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirming(null)}>{t('alerts.cancel')}</Button>
              <Button appearance="primary" disabled={busy !== null} onClick={() => confirming && void remove(confirming)} data-testid="alert-channel-remove-confirm">{t('alerts.remove')}</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

function AddChannelForm({ smtpConfigured, onAdded }: { smtpConfigured: boolean; onAdded(): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const [kind, setKind] = useState<AlertChannelKindView>('webhook');
  const [target, setTarget] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await alertsApi.addChannel({ kind, target, ...(kind === 'webhook' && secret !== '' ? { secret } : {}) });
      setTarget('');
      setSecret('');
      onAdded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(event) => void submit(event)} data-testid="alert-channel-form">
      <Field label={t('alerts.kind')}>
        <RadioGroup layout="horizontal" value={kind} onChange={(_e, data) => setKind(data.value as AlertChannelKindView)}>
          <Radio value="webhook" label={t('alerts.webhook')} data-testid="alert-kind-webhook" />
          <Radio value="email" label={t('alerts.email')} data-testid="alert-kind-email" />
        </RadioGroup>
      </Field>
      {kind === 'email' && !smtpConfigured ? (
        <MessageBar intent="warning" data-testid="alert-smtp-missing"><MessageBarBody>{t('alerts.smtpMissing')}</MessageBarBody></MessageBar>
      ) : null}
      <Field label={t('alerts.target')} hint={kind === 'email' ? t('alerts.targetEmailHint') : t('alerts.targetWebhookHint')} required>
        <Input value={target} onChange={(_e, data) => setTarget(data.value)} data-testid="alert-channel-target" />
      </Field>
      {kind === 'webhook' ? (
        <Field label={t('alerts.secret')} hint={t('alerts.secretHint')}>
          <Input type="password" value={secret} onChange={(_e, data) => setSecret(data.value)} autoComplete="off" data-testid="alert-channel-secret" />
        </Field>
      ) : null}
      <ErrorBar error={error} />
      <div>
        <Button type="submit" appearance="primary" icon={<AddRegular />} disabled={busy} data-testid="alert-channel-add">{t('alerts.add')}</Button>
      </div>
    </form>
  );
}

function Deliveries({ data }: { data: AlertsView }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const describe = useDescribe();
  const deliveryError = useDeliveryError();
  const targets = new Map(data.channels.map((c) => [c.id, c.target]));
  if (data.deliveries.length === 0) return <Text data-testid="alerts-no-deliveries">{t('alerts.noDeliveries')}</Text>;
  return (
    <Table size="small" aria-label={t('alerts.deliveriesTitle')} data-testid="alert-deliveries-table">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('alerts.when')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.target')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.event')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.what')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.state')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.attempts')}</TableHeaderCell>
          <TableHeaderCell>{t('alerts.lastError')}</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {data.deliveries.map((d: AlertDeliveryView) => (
          <TableRow key={d.id} data-testid="alert-delivery-row" data-state={d.state} data-event={d.event}>
            <TableCell><DateTime value={d.createdAt} /></TableCell>
            <TableCell className={styles.mono}>{targets.get(d.channelId) ?? '—'}</TableCell>
            <TableCell>{t(`alerts.events.${d.event}`)}</TableCell>
            <TableCell className={styles.wrap}>{describe(d.code)}</TableCell>
            <TableCell>{t(`alerts.states.${d.state}`)}</TableCell>
            <TableCell>{d.attempts}</TableCell>
            <TableCell className={styles.wrap} title={deliveryError(d)} data-testid="alert-delivery-error" data-code={d.lastErrorCode ?? ''}>{deliveryError(d)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
