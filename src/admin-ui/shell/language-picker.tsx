import { Dropdown, Option, makeStyles, tokens, useId } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import { chooseLanguage } from '../i18n/index.js';
import { LANGUAGES, isLanguage } from '../i18n/language.js';

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  dropdown: { minWidth: '140px' },
});

/** The language switcher; the choice is remembered in localStorage. */
export function LanguagePicker({ labelClassName }: { labelClassName?: string }) {
  const styles = useStyles();
  const { t, i18n } = useTranslation();
  const id = useId('language');
  const language = isLanguage(i18n.language) ? i18n.language : 'en';
  return (
    <div className={styles.root}>
      <label htmlFor={id} className={labelClassName}>
        {t('app.language')}
      </label>
      <Dropdown
        id={id}
        className={styles.dropdown}
        value={t(`languages.${language}`)}
        selectedOptions={[language]}
        onOptionSelect={(_, data) => {
          if (isLanguage(data.optionValue)) chooseLanguage(data.optionValue);
        }}
        data-testid="language-switcher"
      >
        {LANGUAGES.map((code) => (
          <Option key={code} value={code} data-testid={`language-${code}`} lang={code}>
            {t(`languages.${code}`)}
          </Option>
        ))}
      </Dropdown>
    </div>
  );
}
