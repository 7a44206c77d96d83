import { Button, FluentProvider, webLightTheme } from '@fluentui/react-components';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { SignInPage } from './features/sign-in/sign-in-page.js';
import { ChangePasswordPage } from './features/change-password/change-password-page.js';
import { SessionProvider, useSessionState } from './shared/session.js';
import { ErrorBar, Loading } from './shared/ui.js';
import { Shell } from './shell/shell.js';

// Route-level code splitting: the sign-in page and shell load first, each page when opened.
const HomePage = lazy(() => import('./features/home/home-page.js').then((m) => ({ default: m.HomePage })));
const UsersPage = lazy(() => import('./features/users/users-page.js').then((m) => ({ default: m.UsersPage })));
const GroupsPage = lazy(() => import('./features/groups/groups-page.js').then((m) => ({ default: m.GroupsPage })));
const DirSyncPage = lazy(() => import('./features/dirsync/dirsync-page.js').then((m) => ({ default: m.DirSyncPage })));
const SyncErrorsPage = lazy(() => import('./features/sync-errors/sync-errors-page.js').then((m) => ({ default: m.SyncErrorsPage })));
const TroubleshooterPage = lazy(() => import('./features/troubleshooter/troubleshooter-page.js').then((m) => ({ default: m.TroubleshooterPage })));
const AgentsPage = lazy(() => import('./features/agents/agents-page.js').then((m) => ({ default: m.AgentsPage })));
const OidcClientsPage = lazy(() => import('./features/oidc-clients/oidc-clients-page.js').then((m) => ({ default: m.OidcClientsPage })));
const AlertsPage = lazy(() => import('./features/alerts/alerts-page.js').then((m) => ({ default: m.AlertsPage })));
const AdminsPage = lazy(() => import('./features/admins/admins-page.js').then((m) => ({ default: m.AdminsPage })));
const AuditPage = lazy(() => import('./features/audit/audit-page.js').then((m) => ({ default: m.AuditPage })));
const UserDetailPage = lazy(() => import('./features/users/user-detail-page.js').then((m) => ({ default: m.UserDetailPage })));
const GroupDetailPage = lazy(() => import('./features/groups/group-detail-page.js').then((m) => ({ default: m.GroupDetailPage })));
const SyncHistoryPage = lazy(() => import('./features/sync-history/sync-history-page.js').then((m) => ({ default: m.SyncHistoryPage })));
const NotFoundPage = lazy(() => import('./shell/not-found-page.js').then((m) => ({ default: m.NotFoundPage })));

const router = createBrowserRouter([
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'groups', element: <GroupsPage /> },
      { path: 'dirsync', element: <DirSyncPage /> },
      { path: 'sync-errors', element: <SyncErrorsPage /> },
      { path: 'troubleshooter', element: <TroubleshooterPage /> },
      { path: 'agents', element: <AgentsPage /> },
      { path: 'oidc-clients', element: <OidcClientsPage /> },
      { path: 'alerts', element: <AlertsPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'admins', element: <AdminsPage /> },
      { path: 'users/:id', element: <UserDetailPage /> },
      { path: 'groups/:id', element: <GroupDetailPage /> },
      { path: 'sync-history', element: <SyncHistoryPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

function Gate() {
  const { state, retry } = useSessionState();
  const { t } = useTranslation();
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'failed')
    return (
      <div style={{ padding: 24 }}>
        <h1>{t('app.productName')}</h1>
        <ErrorBar error={state.error} />
        <Button onClick={retry}>{t('common.retry')}</Button>
      </div>
    );
  if (state.kind === 'signed-out') return <SignInPage />;
  if (state.session.mustChangePassword) return <ChangePasswordPage />;
  return <RouterProvider router={router} />;
}

export function App() {
  return (
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <Suspense fallback={<Loading />}>
          <Gate />
        </Suspense>
      </SessionProvider>
    </FluentProvider>
  );
}
