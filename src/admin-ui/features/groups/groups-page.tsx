import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import { TableSearch } from '../../shared/search-box.js';
import { ErrorBar, Loading, PageHeader, Pager } from '../../shared/ui.js';
import { useApi, useDebounced } from '../../shared/use-api.js';
import { RouterLink } from '../../shared/router-link.js';
import { groupPath } from '../object-detail/paths.js';

const PAGE_SIZE = 25;

const useStyles = makeStyles({
  toolbar: { display: 'flex', justifyContent: 'flex-end', marginBottom: tokens.spacingVerticalM },
  dn: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
});

export function GroupsPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const debounced = useDebounced(search.trim());
  const groups = useApi((signal) => adminApi.groups({ page, pageSize: PAGE_SIZE, search: debounced }, signal), `${page}|${debounced}`);

  return (
    <>
      <PageHeader title={t('groups.title')} />
      <div className={styles.toolbar}>
        <TableSearch
          value={search}
          onChange={(value) => {
            setSearch(value);
            setPage(1);
          }}
          label={t('groups.searchLabel')}
          testId="groups-search"
        />
      </div>
      <ErrorBar error={groups.error} onRetry={groups.reload} />
      {groups.loading && !groups.data ? <Loading /> : null}
      {groups.data ? (
        <>
          <Table aria-label={t('groups.title')} data-testid="groups-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('groups.name')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.description')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.mail')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.members')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.dn')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {groups.data.items.map((group) => (
                <TableRow key={group.anchor} data-testid="group-row">
                  <TableCell>
                    <RouterLink to={groupPath(group.anchor)} testId="group-link">{group.name}</RouterLink>
                  </TableCell>
                  <TableCell>{group.description ?? '—'}</TableCell>
                  <TableCell>{group.mail ?? '—'}</TableCell>
                  <TableCell>{group.memberCount}</TableCell>
                  <TableCell className={styles.dn}>{group.dn}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {groups.data.items.length === 0 ? <Text>{t('common.noItems')}</Text> : null}
          <Pager page={groups.data.page} pageSize={groups.data.pageSize} total={groups.data.total} totalIsLowerBound={groups.data.totalIsLowerBound} onPage={setPage} />
        </>
      ) : null}
    </>
  );
}
