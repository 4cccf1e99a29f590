import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { UserSummarySchema, type AuthResponse, type ConcordClient, type UserSummary } from '@concord/shared';
import { createApiClient } from '../api/api.client';

const STORAGE_KEY = 'concord:session';

interface StoredSession {
  token: string;
  user: UserSummary;
}

function readSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || !('token' in parsed) || typeof parsed.token !== 'string') return null;
    const user = UserSummarySchema.safeParse((parsed as { user?: unknown }).user);
    return user.success ? { token: parsed.token, user: user.data } : null;
  } catch {
    // A corrupt entry is treated as signed out rather than crashing the app.
    return null;
  }
}

export interface AuthContextValue {
  user: UserSummary | null;
  token: string | null;
  api: ConcordClient;
  signIn: (response: AuthResponse) => void;
  signOut: () => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | null>(readSession);

  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, []);

  const signIn = useCallback((response: AuthResponse) => {
    const next = { token: response.token, user: response.user };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
  }, []);

  const token = session?.token ?? null;
  const api = useMemo(() => createApiClient(token, signOut), [token, signOut]);

  const value = useMemo<AuthContextValue>(
    () => ({ user: session?.user ?? null, token: session?.token ?? null, api, signIn, signOut }),
    [session, api, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
