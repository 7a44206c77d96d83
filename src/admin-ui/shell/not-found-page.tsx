import { useTranslation } from 'react-i18next';
import { RouterLink } from '../shared/router-link.js';
import { PageHeader } from '../shared/ui.js';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('common.notFound')} />
      <RouterLink to="/">{t('common.goHome')}</RouterLink>
    </>
  );
}
