import { Tooltip } from '@fluentui/react-components';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';

/** Wraps a control a global reader may see but not use, and says why on hover and focus. */
export function ReaderTooltip({ reader, children }: { reader: boolean; children: ReactElement }) {
  const { t } = useTranslation();
  if (!reader) return children;
  return (
    <Tooltip content={t('common.readerOnly')} relationship="description">
      <span tabIndex={0} data-testid="reader-only" style={{ display: 'inline-block', width: 'fit-content' }}>
        {children}
      </span>
    </Tooltip>
  );
}
