import { SearchBox, makeStyles } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';

const useStyles = makeStyles({ box: { minWidth: '300px' } });

export function TableSearch({ value, onChange, label, placeholder, testId }: { value: string; onChange(value: string): void; label: string; placeholder?: string; testId: string }) {
  const styles = useStyles();
  const { t } = useTranslation();
  return (
    <SearchBox
      className={styles.box}
      value={value}
      aria-label={label}
      dismiss={{ 'aria-label': t('common.clearSearch') }}
      placeholder={placeholder ?? t('common.search')}
      onChange={(_, data) => onChange(data.value)}
      data-testid={testId}
    />
  );
}
