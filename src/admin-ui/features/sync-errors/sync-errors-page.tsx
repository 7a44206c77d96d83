import {
  Button,
  Dropdown,
  Option,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  useId,
} from '@fluentui/react-components';
import { ArrowDownloadRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncErrorView } from '../../../tenant/api/contract.js';
import { adminApi } from '../../api/endpoints.js';
import { ErrorMessage } from '../../shared/error-message.js';
import { localizeByCode } from '../../shared/localize.js';
import { TableSearch } from '../../shared/search-box.js';
import { DateTime, ErrorBar, Loading, PageHeader, Pager } from '../../shared/ui.js';
import { useApi, useDebounced } from '../../shared/use-api.js';
import { toCsv } from './csv.js';

const PAGE_SIZE = 25;
const EXPORT_PAGE_SIZE = 200;

/** The per-object codes of the error registry, offered in the filter before any row is seen. */
const OBJECT_CODES = [
  'OBJECT_REQUIRED_ATTRIBUTE_MISSING',
  'OBJECT_DUPLICATE_UPN',
  'OBJECT_DUPLICATE_MAIL',
  'OBJECT_VALUE_INVALID',
  'OBJECT_OUT_OF_SCOPE',
  'PASSWORD_SCHEME_UNSUPPORTED',
  'PASSWORD_HASH_MALFORMED',
  'PASSWORD_HASH_TOO_COSTLY',
  'PASSWORD_CLEARTEXT',
  'PASSWORD_NOT_SET',
];

const useStyles = makeStyles({
  toolbar: { display: 'flex', alignItems: 'end', gap: tokens.spacingHorizontalM, marginBottom: tokens.spacingVerticalM, flexWrap: 'wrap' },
  filter: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  dn: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

export function SyncErrorsPage() {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const codeId = useId('code');
  const [search, setSearch] = useState('');
  const [code, setCode] = useState('');
  const [page, setPage] = useState(1);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(undefined);
  const debounced = useDebounced(search.trim());
  const errors = useApi((signal) => adminApi.syncErrors({ page, pageSize: PAGE_SIZE, search: debounced, code }, signal), `${page}|${debounced}|${code}`);

  const codes = [...new Set([...OBJECT_CODES, ...(errors.data?.items.map((item) => item.code) ?? []), ...(code ? [code] : [])])].sort();

  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      const rows: SyncErrorView[] = [];
      for (let p = 1; ; p++) {
        const result = await adminApi.syncErrors({ page: p, pageSize: EXPORT_PAGE_SIZE, search: debounced, code });
        rows.push(...result.items);
        if (result.items.length === 0 || rows.length >= result.total) break;
      }
      const csv = toCsv(
        ['kind', 'dn', 'attribute', 'code', 'message', 'hint', 'firstSeen', 'lastSeen'],
        rows.map((r) => [r.kind, r.dn, r.attribute, r.code, r.message, r.hint, r.firstSeen, r.lastSeen]),
      );
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `dirbridge-sync-errors-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <PageHeader title={t('syncErrors.title')} intro={t('syncErrors.intro')} />
      <div className={styles.toolbar}>
        <div className={styles.filter}>
          <label htmlFor={codeId}>{t('syncErrors.code')}</label>
          <Dropdown
            id={codeId}
            value={code || t('syncErrors.allCodes')}
            selectedOptions={[code]}
            onOptionSelect={(_, data) => {
              setCode(data.optionValue ?? '');
              setPage(1);
            }}
            data-testid="sync-errors-code"
          >
            <Option value="">{t('syncErrors.allCodes')}</Option>
            {codes.map((c) => (
              <Option key={c} value={c}>
                {c}
              </Option>
            ))}
          </Dropdown>
        </div>
        <TableSearch
          value={search}
          onChange={(value) => {
            setSearch(value);
            setPage(1);
          }}
          label={t('syncErrors.searchLabel')}
          placeholder={t('syncErrors.searchPlaceholder')}
          testId="sync-errors-search"
        />
        <Button icon={<ArrowDownloadRegular />} onClick={() => void exportCsv()} disabled={exporting} data-testid="sync-errors-export">
          {exporting ? t('syncErrors.exporting') : t('syncErrors.exportCsv')}
        </Button>
      </div>
      <ErrorBar error={errors.error} onRetry={errors.reload} />
      <ErrorBar error={exportError} />
      {errors.loading && !errors.data ? <Loading /> : null}
      {errors.data ? (
        <>
          <Table aria-label={t('syncErrors.title')} data-testid="sync-errors-table" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('syncErrors.object')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.dn')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.attribute')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.code')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.message')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.hint')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.firstSeen')}</TableHeaderCell>
                <TableHeaderCell>{t('syncErrors.lastSeen')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {errors.data.items.map((item) => {
                const text = localizeByCode(item.code, item, t, i18n.language);
                return (
                  <TableRow key={`${item.anchor}|${item.code}|${item.attribute ?? ''}`} data-testid="sync-error-row">
                    <TableCell>{item.kind === 'user' ? t('syncErrors.kindUser') : t('syncErrors.kindGroup')}</TableCell>
                    <TableCell className={styles.dn}>{item.dn}</TableCell>
                    <TableCell>{item.attribute ?? '—'}</TableCell>
                    <TableCell className={styles.code}>{item.code}</TableCell>
                    <TableCell><ErrorMessage message={text.message} parts={text.parts} /></TableCell>
                    <TableCell>{text.hint}</TableCell>
                    <TableCell>
                      <DateTime value={item.firstSeen} />
                    </TableCell>
                    <TableCell>
                      <DateTime value={item.lastSeen} />
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          {errors.data.items.length === 0 ? <Text>{t('common.noItems')}</Text> : null}
          <Pager page={errors.data.page} pageSize={errors.data.pageSize} total={errors.data.total} onPage={setPage} />
        </>
      ) : null}
    </>
  );
}
