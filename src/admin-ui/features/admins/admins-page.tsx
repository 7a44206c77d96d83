import {
  Badge, Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input, MessageBar, MessageBarBody,
  MessageBarTitle, Radio, RadioGroup, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens,
} from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminAccountView } from '../../../tenant/api/credentials-contract.js';
import { adminApi } from '../../api/endpoints.js';
import { CopyButton } from '../../shared/copy-button.js';
import { useSession } from '../../shared/session.js';
import { DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { addCredentialsTexts } from '../agents/credentials-i18n.js';

addCredentialsTexts();

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '1100px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalXS, flexWrap: 'wrap' },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

type Confirm = { kind: 'remove' | 'reset'; admin: AdminAccountView } | null;

/** Admin accounts (global admins only): add, disable/enable, remove, reset a password (shown once). */
export function AdminsPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { session, isGlobalAdmin } = useSession();
  const admins = useApi((signal) => adminApi.admins(signal), 'admins');
  const [adding, setAdding] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const [shownPassword, setShownPassword] = useState<{ title: string; password: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    setShownPassword(null);
    try {
      await work();
      setConfirm(null);
      setAdding(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      // Every action changes the list: read it again.
      admins.reload();
    }
  };

  const setDisabled = (admin: AdminAccountView, disabled: boolean) => act(async () => {
    await adminApi.setAdminDisabled(admin.id, disabled);
    setDone(t(disabled ? 'credentials.admins.disabledDone' : 'credentials.admins.enabledDone', { username: admin.username }));
  });
  const confirmed = () => act(async () => {
    if (!confirm) return;
    if (confirm.kind === 'remove') {
      await adminApi.removeAdmin(confirm.admin.id);
      setDone(t('credentials.admins.removed', { username: confirm.admin.username }));
    } else {
      const reset = await adminApi.resetAdminPassword(confirm.admin.id);
      setShownPassword({ title: t('credentials.admins.resetDone', { username: reset.username }), password: reset.password });
    }
  });

  if (!isGlobalAdmin) return <PageHeader title={t('credentials.admins.title')} intro={t('common.readerOnly')} />;
  return (
    <>
      <PageHeader title={t('credentials.admins.title')} intro={t('credentials.admins.intro')} />
      <section className={styles.section}>
        <div>
          <Button appearance="primary" icon={<AddRegular />} onClick={() => { setError(undefined); setAdding(true); }} data-testid="add-admin">{t('credentials.admins.add')}</Button>
        </div>
        {confirm === null && !adding ? <ErrorBar error={error} /> : null}
        {done ? <MessageBar intent="success" data-testid="admins-done"><MessageBarBody>{done}</MessageBarBody></MessageBar> : null}
        {shownPassword ? <PasswordOnce title={shownPassword.title} password={shownPassword.password} /> : null}
        <ErrorBar error={admins.error} onRetry={admins.reload} />
        {admins.loading && !admins.data ? <Loading /> : null}
        {admins.data ? (
          <Table size="small" aria-label={t('credentials.admins.title')} data-testid="admins-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('credentials.admins.username')}</TableHeaderCell>
                <TableHeaderCell>{t('credentials.admins.role')}</TableHeaderCell>
                <TableHeaderCell>{t('credentials.admins.created')}</TableHeaderCell>
                <TableHeaderCell>{t('credentials.admins.status')}</TableHeaderCell>
                <TableHeaderCell>{t('credentials.actions')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {admins.data.map((admin) => {
                const self = admin.username.toLowerCase() === session.username.toLowerCase();
                return (
                  <TableRow key={admin.id} data-testid="admin-row" data-username={admin.username} data-disabled={admin.disabledAt ? 'true' : 'false'}>
                    <TableCell>{admin.username} {self ? t('credentials.admins.you') : ''}</TableCell>
                    <TableCell>{t(`role.${admin.role}`)}</TableCell>
                    <TableCell><DateTime value={admin.createdAt} /></TableCell>
                    <TableCell>
                      <Badge appearance="tint" color={admin.disabledAt ? 'danger' : 'success'} data-testid="admin-status">
                        {admin.disabledAt ? t('credentials.admins.disabled') : t('credentials.admins.enabled')}
                      </Badge>
                      {admin.mustChangePassword ? <Text block size={200}>{t('credentials.admins.mustChange')}</Text> : null}
                    </TableCell>
                    <TableCell>
                      {self ? '—' : (
                        <div className={styles.actions}>
                          <Button size="small" disabled={busy} onClick={() => void setDisabled(admin, !admin.disabledAt)} data-testid={admin.disabledAt ? 'enable-admin' : 'disable-admin'}>
                            {admin.disabledAt ? t('credentials.admins.enable') : t('credentials.admins.disable')}
                          </Button>
                          <Button size="small" disabled={busy} onClick={() => { setError(undefined); setConfirm({ kind: 'reset', admin }); }} data-testid="reset-admin">{t('credentials.admins.reset')}</Button>
                          <Button size="small" disabled={busy} onClick={() => { setError(undefined); setConfirm({ kind: 'remove', admin }); }} data-testid="remove-admin">{t('credentials.admins.remove')}</Button>
                        </div>
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ) : null}
      </section>
      <AddAdminDialog open={adding} busy={busy} error={error} onClose={() => setAdding(false)}
        onAdd={(input) => act(async () => {
          const created = await adminApi.createAdmin(input);
          if (created.password) setShownPassword({ title: t('credentials.admins.created_generated', { username: created.username }), password: created.password });
          else setDone(t('credentials.admins.created_chosen', { username: created.username }));
        })} />
      <Dialog open={confirm !== null} onOpenChange={(_e, data) => { if (!data.open) setConfirm(null); }}>
        <DialogSurface data-testid="admin-confirm-dialog">
          <DialogBody>
            <DialogTitle>{confirm ? t(confirm.kind === 'remove' ? 'credentials.admins.removeTitle' : 'credentials.admins.resetTitle', { username: confirm.admin.username }) : ''}</DialogTitle>
            <DialogContent>
              <Text block>{confirm?.kind === 'remove' ? t('credentials.admins.removeBody') : t('credentials.admins.resetBody')}</Text>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirm(null)}>{t('credentials.cancel')}</Button>
              <Button appearance="primary" disabled={busy} onClick={() => void confirmed()} data-testid="admin-confirm">
                {confirm?.kind === 'remove' ? t('credentials.admins.remove') : t('credentials.admins.reset')}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

function PasswordOnce({ title, password }: { title: string; password: string }) {
  const styles = useStyles();
  const { t } = useTranslation();
  return (
    <MessageBar intent="success" layout="multiline" data-testid="password-once">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        <div className={styles.row}>
          <Field label={t('credentials.admins.passwordLabel')}>
            <Input readOnly value={password} className={styles.mono} data-testid="password-once-value" />
          </Field>
          <CopyButton text={password} testId="copy-password" />
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}

function AddAdminDialog({ open, busy, error, onClose, onAdd }: {
  open: boolean; busy: boolean; error: unknown; onClose(): void;
  onAdd(input: { username: string; role: 'global_admin' | 'global_reader'; password?: string }): Promise<void>;
}) {
  const styles = useStyles();
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<'global_admin' | 'global_reader'>('global_reader');
  const [password, setPassword] = useState('');
  const usernameOk = /^[A-Za-z0-9._@-]{1,64}$/.test(username);
  const passwordOk = password === '' || password.length >= 12;
  return (
    <Dialog open={open} onOpenChange={(_e, data) => { if (!data.open) onClose(); }}>
      <DialogSurface data-testid="add-admin-dialog">
        <form onSubmit={(event) => {
          event.preventDefault();
          if (!usernameOk || !passwordOk) return;
          void onAdd({ username, role, ...(password ? { password } : {}) }).then(() => { setUsername(''); setPassword(''); });
        }}>
          <DialogBody>
            <DialogTitle>{t('credentials.admins.addTitle')}</DialogTitle>
            <DialogContent className={styles.form}>
              <Field label={t('credentials.admins.username')} required hint={t('credentials.admins.usernameHint')}
                validationState={username !== '' && !usernameOk ? 'error' : 'none'}>
                <Input value={username} onChange={(_e, d) => setUsername(d.value)} data-testid="new-admin-username" />
              </Field>
              <Field label={t('credentials.admins.role')}>
                <RadioGroup value={role} onChange={(_e, d) => setRole(d.value as typeof role)} layout="horizontal">
                  <Radio value="global_reader" label={t('role.global_reader')} data-testid="new-admin-reader" />
                  <Radio value="global_admin" label={t('role.global_admin')} data-testid="new-admin-global" />
                </RadioGroup>
              </Field>
              <Field label={t('credentials.admins.password')} hint={t('credentials.admins.passwordHint')} validationState={passwordOk ? 'none' : 'error'}>
                <Input type="password" value={password} onChange={(_e, d) => setPassword(d.value)} autoComplete="new-password" data-testid="new-admin-password" />
              </Field>
              <ErrorBar error={error} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose}>{t('credentials.cancel')}</Button>
              <Button appearance="primary" type="submit" disabled={busy || !usernameOk || !passwordOk} data-testid="new-admin-submit">{t('credentials.admins.create')}</Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
