import {
  Badge,
  Button,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowSyncRegular, ChevronRightRegular, MoreHorizontalRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { adminApi } from '../../api/endpoints.js';
import { TableSearch } from '../../shared/search-box.js';
import { ErrorBar, Loading, PageHeader, Pager } from '../../shared/ui.js';
import { useApi, useDebounced } from '../../shared/use-api.js';
import { DirSyncPane } from './dirsync-pane.js';
import { RouterLink } from '../../shared/router-link.js';
import { userPath } from '../object-detail/paths.js';

const PAGE_SIZE = 25;

const useStyles = makeStyles({
  toolbar: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalM, marginBottom: tokens.spacingVerticalM, flexWrap: 'wrap' },
  table: {}, // no minimum width: at 1024 px the columns wrap instead of the page scrolling sideways
  muted: { color: tokens.colorNeutralForeground3 },
});

export function UsersPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [paneOpen, setPaneOpen] = useState(false);
  const debounced = useDebounced(search.trim());
  const users = useApi((signal) => adminApi.users({ page, pageSize: PAGE_SIZE, search: debounced }, signal), `${page}|${debounced}`);

  const onSearch = (value: string) => {
    setSearch(value);
    setPage(1);
  };

  return (
    <>
      <PageHeader title={t('users.title')} />
      <div className={styles.toolbar}>
        <Toolbar aria-label={t('users.title')}>
          <Menu>
            <MenuTrigger disableButtonEnhancement>
              <Button appearance="subtle" icon={<MoreHorizontalRegular />} data-testid="more-menu">
                {t('users.more')}
                <ChevronRightRegular />
              </Button>
            </MenuTrigger>
            <MenuPopover>
              <MenuList>
                <MenuItem icon={<ArrowSyncRegular />} onClick={() => setPaneOpen(true)} data-testid="menu-directory-synchronization">
                  {t('users.directorySynchronization')}
                </MenuItem>
              </MenuList>
            </MenuPopover>
          </Menu>
        </Toolbar>
        <TableSearch value={search} onChange={onSearch} label={t('users.searchLabel')} placeholder={t('users.searchPlaceholder')} testId="users-search" />
      </div>
      <ErrorBar error={users.error} onRetry={users.reload} />
      {users.loading && !users.data ? <Loading /> : null}
      {users.data ? (
        <>
          <Table aria-label={t('users.title')} className={styles.table} data-testid="users-table" data-loading={users.loading}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('users.displayName')}</TableHeaderCell>
                <TableHeaderCell>{t('users.upn')}</TableHeaderCell>
                <TableHeaderCell>{t('users.mail')}</TableHeaderCell>
                <TableHeaderCell>{t('users.syncStatus')}</TableHeaderCell>
                <TableHeaderCell>{t('users.enabled')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {users.data.items.map((user) => (
                <TableRow key={user.anchor} data-testid="user-row">
                  <TableCell>
                    <RouterLink to={userPath(user.anchor)} testId="user-link">{user.displayName ?? user.userPrincipalName}</RouterLink>
                  </TableCell>
                  <TableCell>{user.userPrincipalName}</TableCell>
                  <TableCell>{user.mail ?? <span className={styles.muted}>—</span>}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" color={user.source === 'on_premises' ? 'brand' : 'informative'} icon={user.source === 'on_premises' ? <ArrowSyncRegular /> : undefined}>
                      {user.source === 'on_premises' ? t('users.onPremises') : t('users.cloud')}
                    </Badge>
                  </TableCell>
                  <TableCell>{user.enabled ? t('common.yes') : t('common.no')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {users.data.items.length === 0 ? <Text>{t('common.noItems')}</Text> : null}
          <Pager page={users.data.page} pageSize={users.data.pageSize} total={users.data.total} totalIsLowerBound={users.data.totalIsLowerBound} onPage={setPage} />
        </>
      ) : null}
      <DirSyncPane open={paneOpen} onClose={() => setPaneOpen(false)} />
    </>
  );
}
