import { Badge, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowSyncRegular } from '@fluentui/react-icons';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { adminApi } from '../../api/endpoints.js';
import { ErrorMessage } from '../../shared/error-message.js';
import { localizeByCode } from '../../shared/localize.js';
import { RouterLink } from '../../shared/router-link.js';
import { BoolText, DateTime, ErrorBar, Loading, PageHeader } from '../../shared/ui.js';
import { useApi } from '../../shared/use-api.js';
import { Fields, Section } from '../object-detail/fields.js';
import { groupPath } from '../object-detail/paths.js';
import { PasswordTraceSteps } from '../troubleshooter/password-trace.js';

const useStyles = makeStyles({
  groups: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, listStyle: 'none', margin: 0, padding: 0 },
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  dn: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
});

/** One user: where it comes from, what was synced, its groups, its password sync with the trace, its errors and history. */
export function UserDetailPage() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const id = useParams()['id'] ?? '';
  const user = useApi((signal) => adminApi.user(id, signal), id);
  const upn = user.data?.attributes.userPrincipalName;
  const trace = useApi((signal) => (upn ? adminApi.passwordTrace(upn, signal) : Promise.resolve(null)), upn ?? '');

  const back = <RouterLink to="/users" testId="user-detail-back">{t('userDetail.back')}</RouterLink>;
  if (!user.data) {
    return (
      <>
        <PageHeader title={t('users.title')} actions={back} />
        <ErrorBar error={user.error} onRetry={user.reload} />
        {user.loading ? <Loading /> : null}
      </>
    );
  }
  const u = user.data;
  const a = u.attributes;
  return (
    <div data-testid="user-detail" data-anchor={u.anchor}>
      <PageHeader title={a.displayName ?? a.userPrincipalName} intro={t('userDetail.intro')} actions={back} />
      <Section title={t('userDetail.overview')} testId="user-overview">
        <Fields rows={[
          { label: t('userDetail.dn'), value: u.dn, mono: true, testId: 'user-dn' },
          { label: t('userDetail.anchor'), value: u.anchor, mono: true, testId: 'user-anchor' },
          {
            label: t('userDetail.source'),
            value: (
              <Badge appearance="tint" color={u.source === 'on_premises' ? 'brand' : 'informative'} icon={u.source === 'on_premises' ? <ArrowSyncRegular /> : undefined}>
                {u.source === 'on_premises' ? t('users.onPremises') : t('users.cloud')}
              </Badge>
            ),
          },
          { label: t('userDetail.enabled'), value: <BoolText value={u.enabled} />, testId: 'user-enabled' },
        ]} />
      </Section>
      <Section title={t('userDetail.attributes')} testId="user-attributes">
        <Fields rows={[
          { label: t('userDetail.upn'), value: a.userPrincipalName, testId: 'user-upn' },
          { label: t('userDetail.displayName'), value: a.displayName },
          { label: t('userDetail.givenName'), value: a.givenName },
          { label: t('userDetail.surname'), value: a.surname },
          { label: t('userDetail.mail'), value: a.mail, testId: 'user-mail' },
          { label: t('userDetail.otherMails'), value: a.otherMails.length > 0 ? a.otherMails.join(', ') : null },
        ]} />
      </Section>
      <Section title={t('userDetail.groups')} testId="user-groups">
        {u.groups.length === 0 ? <Text>{t('userDetail.noGroups')}</Text> : (
          <ul className={styles.groups}>
            {u.groups.map((g) => (
              <li key={g.anchor} data-testid="user-group">
                <RouterLink to={groupPath(g.anchor)}>{g.name}</RouterLink>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t('userDetail.password')} testId="user-password">
        <Fields rows={[
          { label: t('userDetail.passwordSynced'), value: <BoolText value={u.password.synced} />, testId: 'user-password-synced' },
          { label: t('userDetail.scheme'), value: u.password.scheme, testId: 'user-password-scheme' },
          { label: t('userDetail.lastSuccess'), value: <DateTime value={u.password.lastSuccessAt} testId="user-password-last-success" /> },
          { label: t('userDetail.lastAttempt'), value: <DateTime value={u.password.lastAttemptAt} /> },
          { label: t('userDetail.sourceChanged'), value: <DateTime value={u.password.sourceChangedAt} /> },
          { label: t('userDetail.resultCode'), value: u.password.resultCode ? <span className={styles.code}>{u.password.resultCode}</span> : null },
        ]} />
        <Text weight="semibold">{t('userDetail.trace')}</Text>
        <ErrorBar error={trace.error} onRetry={trace.reload} />
        {trace.data ? <PasswordTraceSteps trace={trace.data} /> : trace.loading ? <Loading /> : null}
      </Section>
      <Section title={t('userDetail.errors')} testId="user-errors">
        {u.syncErrors.length === 0 ? <Text data-testid="user-no-errors">{t('userDetail.noErrors')}</Text> : (
          <Table size="small" aria-label={t('userDetail.errors')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('syncErrors.code')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.attribute')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.message')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.hint')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.lastSeen')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {u.syncErrors.map((e) => {
                const text = localizeByCode(e.code, e, t, i18n.language);
                return (
                  <TableRow key={`${e.code}|${e.lastSeen}`} data-testid="user-error-row" data-code={e.code}>
                    <TableCell className={styles.code}>{e.code}</TableCell>
                    <TableCell>{e.attribute ?? '—'}</TableCell>
                    <TableCell><ErrorMessage message={text.message} parts={text.parts} /></TableCell>
                    <TableCell>{text.hint}</TableCell>
                    <TableCell><DateTime value={e.lastSeen} /></TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Section>
      <Section title={t('userDetail.history')} intro={t('userDetail.historyIntro')} testId="user-history">
        {u.history.length === 0 ? <Text>{t('userDetail.noHistory')}</Text> : (
          <Table size="small" aria-label={t('userDetail.history')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('userDetail.when')}</TableHeaderCell>
                <TableHeaderCell>{t('userDetail.what')}</TableHeaderCell>
                <TableHeaderCell>{t('userDetail.run')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {u.history.map((h) => (
                <TableRow key={`${h.event}|${h.at}|${h.code ?? ''}`} data-testid="user-history-row" data-event={h.event}>
                  <TableCell><DateTime value={h.at} /></TableCell>
                  <TableCell>
                    {t(`userDetail.event.${h.event}`)}
                    {h.code ? <span className={styles.code}> ({h.code})</span> : null}
                  </TableCell>
                  <TableCell>
                    {h.run ? (
                      <RouterLink to="/sync-history">
                        {t(`syncHistory.kind.${h.run.kind}`)} · {t(`syncHistory.mode.${h.run.mode ?? 'none'}`)}
                      </RouterLink>
                    ) : '—'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
    </div>
  );
}
