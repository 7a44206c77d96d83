import {
  Badge,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  NavCategory,
  NavCategoryItem,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  NavSubItem,
  NavSubItemGroup,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowSyncRegular,
  AlertRegular,
  DocumentBulletListRegular,
  ErrorCircleRegular,
  HistoryRegular,
  HomeRegular,
  PeopleTeamRegular,
  PersonRegular,
  ServerRegular,
  SignOutRegular,
  WrenchRegular,
  KeyRegular,
  NavigationRegular,
  PeopleSettingsRegular,
} from '@fluentui/react-icons';
import { Suspense, useEffect, useState, type KeyboardEvent, type MouseEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { adminApi } from '../api/endpoints.js';
import { useSession } from '../shared/session.js';
import { ErrorBar, Loading } from '../shared/ui.js';
import { LanguagePicker } from './language-picker.js';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground2 },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  product: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, flexGrow: 1 },
  languageLabel: { color: tokens.colorNeutralForegroundOnBrand },
  user: { display: 'flex', flexDirection: 'column', alignItems: 'flex-end' },
  body: { display: 'flex', flexGrow: 1, minHeight: 0 },
  nav: { flexShrink: 0, height: 'auto', maxHeight: 'none', alignSelf: 'stretch', minHeight: 'calc(100vh - 48px)' },
  menuButton: { color: tokens.colorNeutralForegroundOnBrand, minWidth: 'auto' },
  main: {
    flexGrow: 1, minWidth: 0, overflowX: 'auto', padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalXXL}`, backgroundColor: tokens.colorNeutralBackground1,
    // Table columns are fixed width: a long code, attribute or DN wraps inside its cell instead of running over the next one.
    '& td, & th': { overflowWrap: 'anywhere' },
    // A badge in a narrow column (an outcome like "Partly succeeded") wraps too.
    '& td .fui-Badge': { whiteSpace: 'normal', height: 'auto', minHeight: '20px', textAlign: 'center' },
  },
});

/** Below this width the navigation folds away behind a menu button. */
export const NARROW_QUERY = '(max-width: 899px)';

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW_QUERY).matches);
  useEffect(() => {
    const media = window.matchMedia(NARROW_QUERY);
    const update = () => setNarrow(media.matches);
    media.addEventListener('change', update);
    return () => media.removeEventListener('change', update);
  }, []);
  return narrow;
}

interface NavEntry {
  value: string;
  path: string;
  label: string;
  icon: ReactElement;
}

export function Shell() {
  const styles = useStyles();
  const { t } = useTranslation();
  const { session, signOut, isGlobalAdmin } = useSession();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);
  const [everywhereError, setEverywhereError] = useState<unknown>(undefined);
  const signOutEverywhere = async () => {
    setEverywhereError(undefined);
    try {
      await adminApi.signOutEverywhere();
      setConfirmEverywhere(false);
      // This session ended too: the sign-in page follows.
      await signOut().catch(() => undefined);
    } catch (error) {
      setEverywhereError(error);
    }
  };
  const navigate = useNavigate();
  const location = useLocation();
  const narrow = useNarrow();
  const [navOpen, setNavOpen] = useState(false);
  const showNav = !narrow || navOpen;

  const go = (path: string) => (event: MouseEvent) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (narrow) setNavOpen(false); // on a narrow screen the page needs the room
    void navigate(path);
  };
  const closeOnEscape = (event: KeyboardEvent) => {
    if (narrow && event.key === 'Escape') {
      setNavOpen(false);
      document.getElementById('nav-toggle')?.focus();
    }
  };

  const entries: NavEntry[] = [
    { value: 'groups', path: '/groups', label: t('nav.groups'), icon: <PeopleTeamRegular /> },
    { value: 'dirsync', path: '/dirsync', label: t('nav.dirsync'), icon: <ArrowSyncRegular /> },
    { value: 'sync-history', path: '/sync-history', label: t('syncHistory.nav'), icon: <HistoryRegular /> },
    { value: 'sync-errors', path: '/sync-errors', label: t('nav.syncErrors'), icon: <ErrorCircleRegular /> },
    { value: 'troubleshooter', path: '/troubleshooter', label: t('nav.troubleshooter'), icon: <WrenchRegular /> },
    { value: 'agents', path: '/agents', label: t('nav.agents'), icon: <ServerRegular /> },
    { value: 'oidc-clients', path: '/oidc-clients', label: t('nav.oidcClients'), icon: <KeyRegular /> },
    { value: 'alerts', path: '/alerts', label: t('nav.alerts'), icon: <AlertRegular /> },
    { value: 'audit', path: '/audit', label: t('nav.audit'), icon: <DocumentBulletListRegular /> },
    ...(isGlobalAdmin ? [{ value: 'admins', path: '/admins', label: t('nav.admins'), icon: <PeopleSettingsRegular /> }] : []),
  ];
  const selected = location.pathname === '/' ? 'home' : location.pathname === '/users' || location.pathname.startsWith('/users/') ? 'users-active' : location.pathname.split('/')[1] ?? 'home';

  return (
    <div className={styles.root}>
      <header className={styles.header}>
        {narrow ? (
          <Button
            id="nav-toggle"
            appearance="transparent"
            className={styles.menuButton}
            icon={<NavigationRegular />}
            aria-label={t('app.menu')}
            aria-expanded={navOpen}
            aria-controls="main-navigation"
            onClick={() => setNavOpen((open) => !open)}
            data-testid="nav-toggle"
          />
        ) : null}
        <Text className={styles.product} data-testid="product-name">
          {t('app.productName')}
        </Text>
        <LanguagePicker labelClassName={styles.languageLabel} />
        <div className={styles.user} data-testid="signed-in-user">
          <Text weight="semibold">{session.username}</Text>
          <Caption1>
            <Badge appearance="tint" color="informative" data-testid="signed-in-role">
              {t(`role.${session.role}`)}
            </Badge>
          </Caption1>
        </div>
        <Button appearance="subtle" className={styles.languageLabel} onClick={() => { setEverywhereError(undefined); setConfirmEverywhere(true); }} data-testid="sign-out-everywhere">
          {t('signOutEverywhere.button')}
        </Button>
        <Button appearance="primary" icon={<SignOutRegular />} onClick={() => void signOut()} data-testid="sign-out">
          {t('app.signOut')}
        </Button>
        <Dialog open={confirmEverywhere} onOpenChange={(_e, data) => { if (!data.open) setConfirmEverywhere(false); }}>
          <DialogSurface data-testid="sign-out-everywhere-dialog">
            <DialogBody>
              <DialogTitle>{t('signOutEverywhere.title')}</DialogTitle>
              <DialogContent>
                {t('signOutEverywhere.body', { username: session.username })}
                <ErrorBar error={everywhereError} />
              </DialogContent>
              <DialogActions>
                <Button appearance="secondary" onClick={() => setConfirmEverywhere(false)}>{t('signOutEverywhere.cancel')}</Button>
                <Button appearance="primary" onClick={() => void signOutEverywhere()} data-testid="sign-out-everywhere-confirm">{t('signOutEverywhere.confirm')}</Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      </header>
      <div className={styles.body} onKeyDown={closeOnEscape}>
        <NavDrawer
          id="main-navigation"
          open={showNav}
          type="inline"
          className={styles.nav}
          selectedValue={selected}
          defaultOpenCategories={['users']}
          aria-label={t('app.navigation')}
          data-testid="main-navigation"
        >
          <NavDrawerBody>
            <NavItem value="home" href="/" icon={<HomeRegular />} onClick={go('/')} data-testid="nav-home">
              {t('nav.home')}
            </NavItem>
            <NavCategory value="users">
              <NavCategoryItem icon={<PersonRegular />} data-testid="nav-users">
                {t('nav.users')}
              </NavCategoryItem>
              <NavSubItemGroup>
                <NavSubItem value="users-active" href="/users" onClick={go('/users')} data-testid="nav-active-users">
                  {t('nav.activeUsers')}
                </NavSubItem>
              </NavSubItemGroup>
            </NavCategory>
            {entries.map((entry) => (
              <NavItem key={entry.value} value={entry.value} href={entry.path} icon={entry.icon} onClick={go(entry.path)} data-testid={`nav-${entry.value}`}>
                {entry.label}
              </NavItem>
            ))}
          </NavDrawerBody>
        </NavDrawer>
        <main className={styles.main}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

