import { Badge } from '@fluentui/react-components';
import { CheckmarkCircleRegular, ClockRegular, WarningRegular } from '@fluentui/react-icons';
import { useTranslation } from 'react-i18next';
import type { DirSyncStatus } from '../../tenant/api/contract.js';

export function StateBadge({ state }: { state: DirSyncStatus['state'] }) {
  const { t } = useTranslation();
  const look = {
    healthy: { color: 'success', icon: <CheckmarkCircleRegular /> },
    warning: { color: 'warning', icon: <WarningRegular /> },
    never_synced: { color: 'informative', icon: <ClockRegular /> },
  } as const;
  return (
    <Badge appearance="filled" color={look[state].color} icon={look[state].icon} data-testid="dirsync-state" data-state={state}>
      {t(`status.state.${state}`)}
    </Badge>
  );
}
