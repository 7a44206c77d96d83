import { Badge, Button, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { AgentView } from '../../../tenant/api/contract.js';
import type { AgentState } from '../../../tenant/api/dirsync-manage-contract.js';
import { DateTime } from '../../shared/ui.js';
import { addCredentialsTexts } from './credentials-i18n.js';

addCredentialsTexts();

const STATE_COLOR: Record<AgentState, 'success' | 'subtle' | 'danger' | 'warning'> = { active: 'success', standby: 'subtle', offline: 'danger', revoked: 'warning' };

/** Older tenants answer without `state`: judge by the lease and the revocation. */
export function stateOfAgent(agent: AgentView): AgentState {
  return agent.state ?? (agent.revokedAt ? 'revoked' : agent.active ? 'active' : 'standby');
}

export function AgentsTable({ agents, showAccount = false, onRevoke }: { agents: AgentView[]; showAccount?: boolean; onRevoke?: ((agent: AgentView) => void) | undefined }) {
  const { t } = useTranslation();
  if (agents.length === 0) return <Text data-testid="no-agents">{t('dirsync.noAgents')}</Text>;
  return (
    <Table aria-label={t('agents.title')} data-testid="agents-table" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('agents.host')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.version')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.lastHeartbeat')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.role')}</TableHeaderCell>
          <TableHeaderCell>{t('agents.source')}</TableHeaderCell>
          {showAccount ? <TableHeaderCell>{t('agents.syncAccount')}</TableHeaderCell> : null}
          {onRevoke ? <TableHeaderCell>{t('credentials.actions')}</TableHeaderCell> : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {agents.map((agent) => {
          const state = stateOfAgent(agent);
          return (
            <TableRow key={agent.id} data-testid="agent-row" data-state={state} data-host={agent.host}>
              <TableCell>{agent.host}</TableCell>
              <TableCell>{agent.version}</TableCell>
              <TableCell>
                <DateTime value={agent.lastHeartbeat} />
              </TableCell>
              <TableCell>
                <Badge appearance="tint" color={STATE_COLOR[state]} data-testid="agent-state">
                  {t(`credentials.state.${state}`)}
                </Badge>
                {state === 'offline' && agent.signedOffAt ? (
                  <Text block size={200}>{t('credentials.signedOff')} <DateTime value={agent.signedOffAt} /></Text>
                ) : null}
              </TableCell>
              <TableCell>
                {agent.source ?? '—'}
                {agent.passwordProgress ? (
                  <Text block size={200} data-testid="password-progress">
                    {t(agent.passwordProgress.mode === 'full' ? 'agents.passwordProgress' : 'agents.passwordProgressSoFar', {
                      processed: agent.passwordProgress.processed.toLocaleString(),
                      total: agent.passwordProgress.total.toLocaleString(),
                      derived: agent.passwordProgress.derived.toLocaleString(),
                    })}
                    {agent.passwordProgress.etaSeconds !== null ? ` · ${t('agents.passwordProgressEta', { minutes: Math.max(1, Math.round(agent.passwordProgress.etaSeconds / 60)) })}` : ''}
                  </Text>
                ) : null}
              </TableCell>
              {showAccount ? <TableCell>{agent.syncAccount ?? '—'}</TableCell> : null}
              {onRevoke ? (
                <TableCell>
                  {state === 'revoked' ? '—' : (
                    <Button size="small" onClick={() => onRevoke(agent)} data-testid="revoke-agent">{t('credentials.revoke')}</Button>
                  )}
                </TableCell>
              ) : null}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
