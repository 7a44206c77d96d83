import { Badge, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import type { AgentView } from '../../../tenant/api/contract.js';
import { DateTime } from '../../shared/ui.js';

export function AgentsTable({ agents, showAccount = false }: { agents: AgentView[]; showAccount?: boolean }) {
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
        </TableRow>
      </TableHeader>
      <TableBody>
        {agents.map((agent) => (
          <TableRow key={agent.id} data-testid="agent-row">
            <TableCell>{agent.host}</TableCell>
            <TableCell>{agent.version}</TableCell>
            <TableCell>
              <DateTime value={agent.lastHeartbeat} />
            </TableCell>
            <TableCell>
              <Badge appearance="tint" color={agent.active ? 'success' : 'subtle'}>
                {agent.active ? t('agents.active') : t('agents.standby')}
              </Badge>
            </TableCell>
            <TableCell>
              {agent.source ?? '—'}
              {agent.passwordProgress ? (
                <Text block size={200} data-testid="password-progress">
                  {t('agents.passwordProgress', {
                    processed: agent.passwordProgress.processed.toLocaleString(),
                    total: agent.passwordProgress.total.toLocaleString(),
                    derived: agent.passwordProgress.derived.toLocaleString(),
                  })}
                  {agent.passwordProgress.etaSeconds !== null ? ` · ${t('agents.passwordProgressEta', { minutes: Math.max(1, Math.round(agent.passwordProgress.etaSeconds / 60)) })}` : ''}
                </Text>
              ) : null}
            </TableCell>
            {showAccount ? <TableCell>{agent.syncAccount ?? '—'}</TableCell> : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
