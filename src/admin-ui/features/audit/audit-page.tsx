import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import { DateTime, ErrorBar, Loading, PageHeader, Pager } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';

const PAGE_SIZE = 25;

const useStyles = makeStyles({
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-word' },
});

function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

export function AuditPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const audit = useApi((signal) => adminApi.auditLog({ page, pageSize: PAGE_SIZE }, signal), String(page));

  return (
    <>
      <PageHeader title={t('audit.title')} intro={t('audit.intro')} />
      <ErrorBar error={audit.error} onRetry={audit.reload} />
      {audit.loading && !audit.data ? <Loading /> : null}
      {audit.data ? (
        <>
          <Table aria-label={t('audit.title')} data-testid="audit-table" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('audit.at')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.actor')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.action')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.details')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {audit.data.items.map((entry) => (
                <TableRow key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <TableCell>
                    <DateTime value={entry.at} />
                  </TableCell>
                  <TableCell>{entry.actor}</TableCell>
                  <TableCell className={styles.mono}>{entry.action}</TableCell>
                  {/* Raw recorded values (field names as stored): data, not UI text. */}
                  <TableCell className={styles.mono} translate="no">{describeDetails(entry.details)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {audit.data.items.length === 0 ? <Text>{t('common.noItems')}</Text> : null}
          <Pager page={audit.data.page} pageSize={audit.data.pageSize} total={audit.data.total} onPage={setPage} />
        </>
      ) : null}
    </>
  );
}
