import {
  Badge,
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
  Tooltip,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegistrationTokenCreated } from '../../../tenant/api/contract.js';
import { adminApi } from '../../api/endpoints.js';
import type { AgentView, RegistrationTokenView } from '../../../tenant/api/contract.js';
import { useSession } from '../../shared/session.js';
import { DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { AgentsTable } from './agents-table.js';
import { CopyButton } from '../../shared/copy-button.js';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL, maxWidth: '980px' },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  grow: { flexGrow: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

export function AgentsPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { isGlobalAdmin } = useSession();
  const agents = useApi((signal) => adminApi.agents(signal), 'agents');
  const tokens = useApi((signal) => adminApi.registrationTokens(signal), 'registration-tokens');
  const [created, setCreated] = useState<RegistrationTokenCreated | null>(null);
  const [createError, setCreateError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<{ kind: 'agent'; agent: AgentView } | { kind: 'token'; token: RegistrationTokenView } | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);

  const revoke = async () => {
    if (!confirm) return;
    setBusy(true);
    setActionError(undefined);
    try {
      if (confirm.kind === 'agent') {
        await adminApi.revokeAgent(confirm.agent.id);
        setDone(t('credentials.agentRevoked', { host: confirm.agent.host }));
      } else {
        await adminApi.revokeRegistrationToken(confirm.token.id);
        setDone(t('credentials.tokenRevoked'));
      }
      setConfirm(null);
      agents.reload();
      tokens.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const createToken = async () => {
    setBusy(true);
    setCreateError(undefined);
    setDone(null);
    try {
      setCreated(await adminApi.createRegistrationToken());
      tokens.reload();
    } catch (error) {
      setCreateError(error);
    } finally {
      setBusy(false);
    }
  };

  const createButton = (
    <Button appearance="primary" icon={<AddRegular />} disabled={!isGlobalAdmin || busy} onClick={() => void createToken()} data-testid="create-registration-token">
      {t('agents.createToken')}
    </Button>
  );

  return (
    <>
      <PageHeader title={t('agents.title')} intro={t('agents.intro')} />
      <section className={styles.section}>
        <div>
          {isGlobalAdmin ? (
            createButton
          ) : (
            <Tooltip content={t('common.readerOnly')} relationship="description">
              <span tabIndex={0} data-testid="reader-only" style={{ display: 'inline-block' }}>
                {createButton}
              </span>
            </Tooltip>
          )}
        </div>
        <ErrorBar error={createError} />
        {created ? <CreatedToken created={created} /> : null}
      </section>
      <section className={styles.section}>
        <Subtitle2 as="h2">{t('agents.title')}</Subtitle2>
        <ErrorBar error={agents.error} onRetry={agents.reload} />
        {agents.loading && !agents.data ? <Loading /> : null}
        {done ? <MessageBar intent="success" data-testid="credentials-done"><MessageBarBody>{done}</MessageBarBody></MessageBar> : null}
        {agents.data ? <AgentsTable agents={agents.data} showAccount onRevoke={isGlobalAdmin ? (agent) => { setActionError(undefined); setConfirm({ kind: 'agent', agent }); } : undefined} /> : null}
      </section>
      <section className={styles.section}>
        <Subtitle2 as="h2">{t('agents.tokens')}</Subtitle2>
        <ErrorBar error={tokens.error} onRetry={tokens.reload} />
        {tokens.data ? <TokensTable tokens={tokens.data} onRevoke={isGlobalAdmin ? (token) => { setActionError(undefined); setConfirm({ kind: 'token', token }); } : undefined} /> : null}
      </section>
      <Dialog open={confirm !== null} onOpenChange={(_e, data) => { if (!data.open) setConfirm(null); }}>
        <DialogSurface data-testid="revoke-dialog">
          <DialogBody>
            <DialogTitle>{confirm?.kind === 'agent' ? t('credentials.revokeAgentTitle', { host: confirm.agent.host }) : t('credentials.revokeTokenTitle')}</DialogTitle>
            <DialogContent>
              <Text block>{confirm?.kind === 'agent' ? t('credentials.revokeAgentBody') : t('credentials.revokeTokenBody')}</Text>
              <ErrorBar error={actionError} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirm(null)}>{t('credentials.cancel')}</Button>
              <Button appearance="primary" disabled={busy} onClick={() => void revoke()} data-testid="revoke-confirm">{t('credentials.revoke')}</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

function CreatedToken({ created }: { created: RegistrationTokenCreated }) {
  const styles = useStyles();
  const { t } = useTranslation();
  const command = `dirbridge agent --tenant-url ${window.location.origin} --token ${created.token}`;
  return (
    <MessageBar intent="success" layout="multiline" data-testid="registration-token">
      <MessageBarBody>
        <MessageBarTitle>{t('agents.tokenTitle')}</MessageBarTitle>
        <Text block>{t('agents.tokenOnce')}</Text>
        <Text block>
          {t('agents.tokenExpires')}{' '}
          <DateTime value={created.expiresAt} />
        </Text>
        <div className={styles.row}>
          <Field label={t('agents.tokenLabel')} className={styles.grow}>
            <Input readOnly value={created.token} className={styles.mono} data-testid="registration-token-value" />
          </Field>
          <CopyButton text={created.token} testId="copy-token" />
        </div>
        <div className={styles.row}>
          <Field label={t('agents.tokenCommand')} className={styles.grow}>
            <Textarea readOnly value={command} resize="vertical" className={styles.mono} data-testid="registration-command" />
          </Field>
          <CopyButton text={command} testId="copy-command" />
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}

type TokenState = 'unused' | 'used' | 'expired' | 'revoked';
function tokenStateOf(token: RegistrationTokenView, now: number): TokenState {
  if (token.revokedAt) return 'revoked';
  if (token.usedAt) return 'used';
  return Date.parse(token.expiresAt) <= now ? 'expired' : 'unused';
}
const TOKEN_COLOR: Record<TokenState, 'success' | 'subtle' | 'warning' | 'informative'> = { unused: 'success', used: 'informative', expired: 'subtle', revoked: 'warning' };

function TokensTable({ tokens, onRevoke }: { tokens: RegistrationTokenView[]; onRevoke?: ((token: RegistrationTokenView) => void) | undefined }) {
  const { t } = useTranslation();
  if (tokens.length === 0) return <Text>{t('agents.noTokens')}</Text>;
  const now = Date.now();
  return (
    <Table aria-label={t('agents.tokens')} size="small" data-testid="registration-tokens-table">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('credentials.created')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.createdBy')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.expires')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.used')}</TableHeaderCell>
          <TableHeaderCell>{t('credentials.status')}</TableHeaderCell>
          {onRevoke ? <TableHeaderCell>{t('credentials.actions')}</TableHeaderCell> : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {tokens.map((token) => {
          const state = tokenStateOf(token, now);
          return (
            <TableRow key={token.id} data-testid="registration-token-row" data-state={state}>
              <TableCell>{token.createdAt ? <DateTime value={token.createdAt} /> : t('credentials.unknown')}</TableCell>
              <TableCell>{token.createdBy}</TableCell>
              <TableCell>
                <DateTime value={token.expiresAt} />
              </TableCell>
              <TableCell>{token.usedAt ? <DateTime value={token.usedAt} /> : t('agents.notUsed')}</TableCell>
              <TableCell><Badge appearance="tint" color={TOKEN_COLOR[state]} data-testid="token-state">{t(`credentials.tokenState.${state}`)}</Badge></TableCell>
              {onRevoke ? (
                <TableCell>
                  {state === 'unused' ? <Button size="small" onClick={() => onRevoke(token)} data-testid="revoke-token">{t('credentials.revoke')}</Button> : '—'}
                </TableCell>
              ) : null}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
