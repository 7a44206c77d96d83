import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  Title2,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ChevronLeftRegular, ChevronRightRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { localeOf } from '../i18n/language.js';
import { formatDateTime, formatRelative } from './format-date.js';
import { explainError } from './localize.js';

const useStyles = makeStyles({
  header: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, marginBottom: tokens.spacingVerticalL },
  relative: { color: tokens.colorNeutralForeground3, marginLeft: tokens.spacingHorizontalXS },
  pager: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, marginTop: tokens.spacingVerticalM },
  bar: { marginBottom: tokens.spacingVerticalM },
});

export function PageHeader({ title, intro, actions }: { title: string; intro?: string | undefined; actions?: ReactNode }) {
  const styles = useStyles();
  return (
    <div className={styles.header}>
      <Title2 as="h1" data-testid="page-heading">
        {title}
      </Title2>
      {intro ? <Text data-testid="page-intro">{intro}</Text> : null}
      {actions}
    </div>
  );
}

/** Every error with what to do: the message as title, the hint as body. */
export function ErrorBar({ error, onRetry }: { error: unknown; onRetry?: (() => void) | undefined }) {
  const { t, i18n } = useTranslation();
  const styles = useStyles();
  if (error === undefined || error === null) return null;
  const explained = explainError(error, t, i18n.language);
  return (
    <MessageBar intent="error" className={styles.bar} data-testid="error-bar" data-code={explained.code}>
      <MessageBarBody>
        <MessageBarTitle>{explained.message}</MessageBarTitle>
        {explained.hint}
      </MessageBarBody>
      {onRetry ? (
        <MessageBarActions>
          <Button onClick={onRetry}>{t('common.retry')}</Button>
        </MessageBarActions>
      ) : null}
    </MessageBar>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <Spinner size="small" label={t('app.loading')} />;
}

export function useLocale(): string {
  const { i18n } = useTranslation();
  return localeOf(i18n.language);
}

/** A date in the admin's language and time zone with a relative hint; "Never" for null. */
export function DateTime({ value, testId }: { value: string | null | undefined; testId?: string }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const locale = useLocale();
  if (!value) return <span data-testid={testId}>{t('common.never')}</span>;
  return (
    <span data-testid={testId} data-value={value}>
      <time dateTime={value}>{formatDateTime(value, locale)}</time>
      <span className={styles.relative}>({formatRelative(value, locale)})</span>
    </span>
  );
}

/** `totalIsLowerBound`: more items than `total` may follow (a search counted to a limit): "1–25 of 10,000+". */
export function Pager({ page, pageSize, total, totalIsLowerBound, onPage }: { page: number; pageSize: number; total: number; totalIsLowerBound?: boolean | undefined; onPage(page: number): void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const locale = useLocale();
  const number = new Intl.NumberFormat(locale);
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return (
    <div className={styles.pager}>
      <Button icon={<ChevronLeftRegular />} disabled={page <= 1} onClick={() => onPage(page - 1)} aria-label={t('common.previous')} data-testid="pager-previous" />
      <Text data-testid="pager-range">{t(totalIsLowerBound ? 'common.pageRangeAtLeast' : 'common.pageRange', { from: number.format(from), to: number.format(to), total: number.format(total) })}</Text>
      <Button icon={<ChevronRightRegular />} disabled={to >= total && !totalIsLowerBound} onClick={() => onPage(page + 1)} aria-label={t('common.next')} data-testid="pager-next" />
    </div>
  );
}

export function BoolText({ value, testId }: { value: boolean; testId?: string }) {
  const { t } = useTranslation();
  return <span data-testid={testId}>{value ? t('common.true') : t('common.false')}</span>;
}
