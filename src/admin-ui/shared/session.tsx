import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AdminSession } from '../../tenant/api/contract.js';
import { ApiError, setCsrfToken, setUnauthorizedHandler } from '../api/client.js';
import { adminApi } from '../api/endpoints.js';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'signed-in'; session: AdminSession };

interface SessionContextValue {
  state: SessionState;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  retry(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    adminApi.me(controller.signal).then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setState({ kind: 'signed-in', session });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) setState({ kind: 'signed-out' });
        else setState({ kind: 'failed', error });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState({ kind: 'signed-out' });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const session = await adminApi.signIn(username, password);
    setCsrfToken(session.csrfToken);
    setState({ kind: 'signed-in', session });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await adminApi.signOut();
    } finally {
      setCsrfToken(null);
      setState({ kind: 'signed-out' });
    }
  }, []);

  const retry = useCallback(() => {
    setState({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut, retry }), [state, signIn, signOut, retry]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionState outside SessionProvider');
  return value;
}

/** The signed-in admin; only valid inside the signed-in shell. */
export function useSession(): { session: AdminSession; isGlobalAdmin: boolean; signOut(): Promise<void> } {
  const { state, signOut } = useSessionState();
  if (state.kind !== 'signed-in') throw new Error('useSession while not signed in');
  return { session: state.session, isGlobalAdmin: state.session.role === 'global_admin', signOut };
}
