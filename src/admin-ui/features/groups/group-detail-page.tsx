import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { adminApi } from '../../api/endpoints.js';
import { RouterLink } from '../../shared/router-link.js';
import { BoolText, DateTime, ErrorBar, Loading, PageHeader, Pager } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { Fields, Section } from '../object-detail/fields.js';
import { groupPath, userPath } from '../object-detail/paths.js';

const PAGE_SIZE = 25;

const useStyles = makeStyles({
  list: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, listStyle: 'none', margin: 0, padding: 0 },
  dn: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
});

/** One group: its attributes, the groups it is in, and its members (users and nested groups), paged. */
export function GroupDetailPage() {
  const styles = useStyles();
  const { t } = useTranslation();
  const id = useParams()['id'] ?? '';
  // A nested group's link opens this page again with another id: its members start at page 1.
  const [paging, setPaging] = useState({ id, page: 1 });
  const page = paging.id === id ? paging.page : 1;
  const setPage = (next: number) => setPaging({ id, page: next });
  const group = useApi((signal) => adminApi.group(id, signal), id);
  const members = useApi((signal) => adminApi.groupMembers(id, { page, pageSize: PAGE_SIZE }, signal), `${id}|${page}`);

  const back = <RouterLink to="/groups" testId="group-detail-back">{t('groupDetail.back')}</RouterLink>;
  if (!group.data) {
    return (
      <>
        <PageHeader title={t('groups.title')} actions={back} />
        <ErrorBar error={group.error} onRetry={group.reload} />
        {group.loading ? <Loading /> : null}
      </>
    );
  }
  const g = group.data;
  return (
    <div data-testid="group-detail" data-anchor={g.anchor}>
      <PageHeader title={g.name} intro={t('groupDetail.intro')} actions={back} />
      <Section title={t('groupDetail.overview')} testId="group-overview">
        <Fields rows={[
          { label: t('groupDetail.dn'), value: g.dn, mono: true, testId: 'group-dn' },
          { label: t('groupDetail.anchor'), value: g.anchor, mono: true },
          { label: t('groupDetail.description'), value: g.description },
          { label: t('groupDetail.mail'), value: g.mail },
          { label: t('groupDetail.memberCount'), value: g.memberCount.toLocaleString(), testId: 'group-member-count' },
          { label: t('groupDetail.firstSynced'), value: <DateTime value={g.createdAt} /> },
          { label: t('groupDetail.lastChanged'), value: <DateTime value={g.updatedAt} testId="group-updated" /> },
        ]} />
      </Section>
      <Section title={t('groupDetail.memberOf')} testId="group-member-of">
        {g.memberOf.length === 0 ? <Text>{t('groupDetail.noMemberOf')}</Text> : (
          <ul className={styles.list}>
            {g.memberOf.map((parent) => (
              <li key={parent.anchor} data-testid="group-parent">
                <RouterLink to={groupPath(parent.anchor)}>{parent.name}</RouterLink>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t('groupDetail.members')} testId="group-members">
        <ErrorBar error={members.error} onRetry={members.reload} />
        {members.loading && !members.data ? <Loading /> : null}
        {members.data ? (
          members.data.total === 0 ? <Text>{t('groupDetail.noMembers')}</Text> : (
            <>
              <Table size="small" aria-label={t('groupDetail.members')} data-testid="group-members-table" data-loading={members.loading}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>{t('groupDetail.memberName')}</TableHeaderCell>
                    <TableHeaderCell>{t('groupDetail.memberKind')}</TableHeaderCell>
                    <TableHeaderCell>{t('groupDetail.memberUpn')}</TableHeaderCell>
                    <TableHeaderCell>{t('groupDetail.memberEnabled')}</TableHeaderCell>
                    <TableHeaderCell>{t('groupDetail.dn')}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {members.data.items.map((m) => (
                    <TableRow key={m.anchor} data-testid="group-member-row" data-kind={m.kind}>
                      <TableCell>
                        {m.kind === 'user' ? <RouterLink to={userPath(m.anchor)}>{m.name}</RouterLink>
                          : m.kind === 'group' ? <RouterLink to={groupPath(m.anchor)} testId="nested-group-link">{m.name}</RouterLink>
                            : <span className={styles.dn}>{m.anchor}</span>}
                      </TableCell>
                      <TableCell>{t(`groupDetail.kind.${m.kind}`)}</TableCell>
                      <TableCell>{m.userPrincipalName ?? '—'}</TableCell>
                      <TableCell>{m.enabled === null ? '—' : <BoolText value={m.enabled} />}</TableCell>
                      <TableCell className={styles.dn}>{m.dn ?? '—'}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Pager page={members.data.page} pageSize={members.data.pageSize} total={members.data.total} onPage={setPage} />
            </>
          )
        ) : null}
      </Section>
    </div>
  );
}
