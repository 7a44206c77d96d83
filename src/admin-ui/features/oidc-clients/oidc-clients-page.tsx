/**
 * App registrations: the OpenID Connect clients of the tenant. Global admins register and delete
 * them (the secret is shown once, right after registering); readers see the list.
 */
import {
  Button,
  Checkbox,
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
  MessageBarTitle,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular } from '@fluentui/react-icons';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { OidcClientCreated, OidcClientView } from '../../../tenant/oidc/client-contract.js';
import { useSession } from '../../shared/session.js';
import { DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { oidcClientsApi } from './oidc-clients-api.js';
import { addOidcClientsTexts } from './oidc-clients-i18n.js';
import { CopyButton } from '../../shared/copy-button.js';

addOidcClientsTexts();

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '640px' },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  grow: { flexGrow: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  uris: { display: 'flex', flexDirection: 'column' },
});

export function OidcClientsPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const clients = useApi((signal) => oidcClientsApi.list(signal), 'oidc-clients');
  const [created, setCreated] = useState<OidcClientCreated | null>(null);
  const [deletedName, setDeletedName] = useState<string | null>(null);

  return (
    <>
      <PageHeader title={t('oidcClients.title')} intro={t('oidcClients.intro')} />
      {isGlobalAdmin ? (
        <section className={styles.section}>
          <Subtitle2 as="h2">{t('oidcClients.registerTitle')}</Subtitle2>
          <RegisterForm onCreated={(client) => { setCreated(client); setDeletedName(null); clients.reload(); }} />
          {created ? <CreatedClient created={created} /> : null}
        </section>
      ) : null}
      <section className={styles.section}>
        <Subtitle2 as="h2">{t('oidcClients.listTitle')}</Subtitle2>
        {deletedName ? (
          <MessageBar intent="success" data-testid="oidc-client-deleted">
            <MessageBarBody>{t('oidcClients.deleted', { name: deletedName })}</MessageBarBody>
          </MessageBar>
        ) : null}
        <ErrorBar error={clients.error} onRetry={clients.reload} />
        {clients.loading && !clients.data ? <Loading /> : null}
        {clients.data ? (
          <ClientsTable
            clients={clients.data}
            canDelete={isGlobalAdmin}
            onDeleted={(client) => { setDeletedName(client.name); if (created?.clientId === client.clientId) setCreated(null); clients.reload(); }}
          />
        ) : null}
      </section>
    </>
  );
}

function RegisterForm({ onCreated }: { onCreated(client: OidcClientCreated): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [uris, setUris] = useState('');
  const [isPublic, setIsPublic] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const redirectUris = uris.split(/\r?\n/).map((u) => u.trim()).filter((u) => u !== '');
      onCreated(await oidcClientsApi.create({ name, redirectUris, public: isPublic }));
      setName('');
      setUris('');
      setIsPublic(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(event) => void submit(event)} data-testid="oidc-client-form">
      <Field label={t('oidcClients.name')} hint={t('oidcClients.nameHint')} required>
        <Input value={name} onChange={(_e, data) => setName(data.value)} data-testid="oidc-client-name" />
      </Field>
      <Field label={t('oidcClients.redirectUris')} hint={t('oidcClients.redirectUrisHint')} required>
        <Textarea value={uris} onChange={(_e, data) => setUris(data.value)} resize="vertical" className={styles.mono} data-testid="oidc-client-redirect-uris" />
      </Field>
      <Checkbox checked={isPublic} onChange={(_e, data) => setIsPublic(data.checked === true)} label={t('oidcClients.public')} data-testid="oidc-client-public" />
      <ErrorBar error={error} />
      <div>
        <Button type="submit" appearance="primary" icon={<AddRegular />} disabled={busy} data-testid="oidc-client-register">
          {t('oidcClients.register')}
        </Button>
      </div>
    </form>
  );
}

function CreatedClient({ created }: { created: OidcClientCreated }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const discovery = `${created.issuer}/.well-known/openid-configuration`;
  const fields: Array<[string, string, string]> = [
    [t('oidcClients.clientId'), created.clientId, 'oidc-client-id'],
    ...(created.clientSecret ? [[t('oidcClients.clientSecret'), created.clientSecret, 'oidc-client-secret'] as [string, string, string]] : []),
    [t('oidcClients.issuer'), created.issuer, 'oidc-issuer'],
    [t('oidcClients.discovery'), discovery, 'oidc-discovery'],
  ];
  return (
    <MessageBar intent="success" layout="multiline" data-testid="oidc-client-created">
      <MessageBarBody>
        <MessageBarTitle>{t('oidcClients.createdTitle')}</MessageBarTitle>
        <Text block>{created.clientSecret ? t('oidcClients.secretOnce') : t('oidcClients.noSecret')}</Text>
        {fields.map(([label, value, testId]) => (
          <div className={styles.row} key={testId}>
            <Field label={label} className={styles.grow}>
              <Input readOnly value={value} className={styles.mono} data-testid={testId} />
            </Field>
            <CopyButton text={value} testId={`copy-${testId}`} />
          </div>
        ))}
      </MessageBarBody>
    </MessageBar>
  );
}

function ClientsTable({ clients, canDelete, onDeleted }: { clients: OidcClientView[]; canDelete: boolean; onDeleted(client: OidcClientView): void }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState<OidcClientView | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const remove = async (client: OidcClientView) => {
    setBusy(true);
    setError(undefined);
    try {
      await oidcClientsApi.remove(client.clientId);
      setConfirming(null);
      onDeleted(client);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (clients.length === 0) return <Text data-testid="oidc-clients-empty">{t('oidcClients.none')}</Text>;
  return (
    <>
      <Table aria-label={t('oidcClients.listTitle')} size="small" data-testid="oidc-clients-table">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('oidcClients.name')}</TableHeaderCell>
            <TableHeaderCell>{t('oidcClients.clientId')}</TableHeaderCell>
            <TableHeaderCell>{t('oidcClients.type')}</TableHeaderCell>
            <TableHeaderCell>{t('oidcClients.redirectUris')}</TableHeaderCell>
            <TableHeaderCell>{t('oidcClients.created')}</TableHeaderCell>
            {canDelete ? <TableHeaderCell /> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {clients.map((client) => (
            <TableRow key={client.clientId} data-testid="oidc-client-row">
              <TableCell>{client.name}</TableCell>
              <TableCell className={styles.mono}>{client.clientId}</TableCell>
              <TableCell>{client.public ? t('oidcClients.publicType') : t('oidcClients.confidential')}</TableCell>
              <TableCell>
                <span className={styles.uris}>{client.redirectUris.map((uri) => <span key={uri}>{uri}</span>)}</span>
              </TableCell>
              <TableCell>
                <DateTime value={client.createdAt} />
              </TableCell>
              {canDelete ? (
                <TableCell>
                  <Button icon={<DeleteRegular />} onClick={() => setConfirming(client)} data-testid="oidc-client-delete">
                    {t('oidcClients.delete')}
                  </Button>
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Dialog open={confirming !== null} onOpenChange={(_e, data) => { if (!data.open) setConfirming(null); }}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{t('oidcClients.deleteTitle', { name: confirming?.name ?? '' })}</DialogTitle>
            <DialogContent>
              <Text block>{t('oidcClients.deleteBody')}</Text>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirming(null)}>{t('oidcClients.cancel')}</Button>
              <Button appearance="primary" disabled={busy} onClick={() => confirming && void remove(confirming)} data-testid="oidc-client-delete-confirm">
                {t('oidcClients.delete')}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

