import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  UserSummarySchema,
  type AuthResponse,
  type ChangePasswordRequest,
  type ConcordClient,
  type UpdateProfileRequest,
  type UserSummary,
} from '@concord/shared';
import { createApiClient } from '../api/api.client';

const STORAGE_KEY = 'concord:session';
/** Set (to the time it began) while a tab changes the password: the others wait for its new token. */
const CHANGING_KEY = 'concord:changing-password';
/** How long a 401 waits for another tab's password change, at most (a crashed tab's flag goes stale). */
const CHANGE_WAIT_MS = 15_000;

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

/** The same token and the same user as stored: a name changed in another tab keeps the token. */
function sameSession(a: StoredSession | null, b: StoredSession | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.token === b.token &&
    a.user.id === b.user.id &&
    a.user.username === b.user.username &&
    a.user.displayName === b.user.displayName
  );
}

/**
 * The user as the server has them now, into the session as stored now: another tab may have
 * stored a new token meanwhile (kept), or signed out or in as someone else (then this user's
 * session is not brought back). Returns the session to show, or null to keep the current one.
 */
function withUser(user: UserSummary): StoredSession | null {
  const stored = readSession();
  if (stored?.user.id !== user.id) return null;
  const next = { token: stored.token, user };
  if (!sameSession(stored, next)) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  return next;
}

function changeUnderwayElsewhere(): boolean {
  try {
    const at = Number(localStorage.getItem(CHANGING_KEY));
    return at > 0 && Date.now() - at < CHANGE_WAIT_MS;
  } catch {
    return false;
  }
}

/**
 * Resolves once no other tab is changing the password: at once when none is, else when its
 * flag goes (its new token is stored by then), or after CHANGE_WAIT_MS.
 */
function otherTabsSettled(): Promise<void> {
  if (!changeUnderwayElsewhere()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      window.removeEventListener('storage', onStorage);
      clearTimeout(timer);
      resolve();
    };
    const onStorage = (event: StorageEvent) => {
      if ((event.key === CHANGING_KEY || event.key === null) && !changeUnderwayElsewhere()) done();
    };
    const timer = setTimeout(done, CHANGE_WAIT_MS);
    window.addEventListener('storage', onStorage);
  });
}

export interface AuthContextValue {
  user: UserSummary | null;
  token: string | null;
  api: ConcordClient;
  signIn: (response: AuthResponse) => void;
  signOut: () => void;
  /**
   * The server refused `token` (a 401, or the socket's `unauthorized`): signs out, unless a newer
   * token has replaced it meanwhile (a password changed in this tab or another one), which is
   * then used instead.
   */
  expire: (token: string) => void;
  /** A new password: every earlier token stops working; this tab (and the others) go on with the new one. */
  changePassword: (body: ChangePasswordRequest) => Promise<void>;
  /** Every token of the account stops working, this one too; then signs out here. */
  signOutEverywhere: () => Promise<void>;
  /** A new display name: stored with the session, so this tab and the others show it at once. */
  updateProfile: (body: UpdateProfileRequest) => Promise<UserSummary>;
  /** Asks the server who is signed in: a name changed in another browser is taken up. */
  refreshUser: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

/** The session of the signed-in user, shared through localStorage by every tab of the browser. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | null>(readSession);
  /** A password change on its way: a 401 answering meanwhile is judged once its new token is stored. */
  const changing = useRef<Promise<void>>(Promise.resolve());

  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, []);

  const signIn = useCallback((response: AuthResponse) => {
    const next = { token: response.token, user: response.user };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
  }, []);

  const expire = useCallback((stale: string) => {
    // A token refused while a password change is on its way (here or in another tab) is judged
    // once the change is over: the refusal is most likely the change revoking it.
    void changing.current.then(otherTabsSettled).then(() => {
      const stored = readSession();
      if (stored && stored.token !== stale) {
        setSession((current) => (current?.token === stored.token ? current : stored));
        return;
      }
      if (stored) localStorage.removeItem(STORAGE_KEY);
      setSession(null);
    });
  }, []);

  useEffect(() => {
    // Another tab signed in, out, changed the password or the name: every tab shares one session.
    function onStorage(event: StorageEvent) {
      if (event.key !== null && event.key !== STORAGE_KEY) return;
      const stored = readSession();
      setSession((current) => (sameSession(current, stored) ? current : stored));
    }
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const storeUser = useCallback((user: UserSummary) => {
    const next = withUser(user);
    if (next) setSession((current) => (sameSession(current, next) ? current : next));
  }, []);

  const token = session?.token ?? null;
  const api = useMemo(() => createApiClient(token, expire), [token, expire]);

  const changePassword = useCallback(
    async (body: ChangePasswordRequest) => {
      const change = (async () => {
        localStorage.setItem(CHANGING_KEY, String(Date.now()));
        try {
          signIn(await api.changePassword(body));
        } finally {
          // After the new token is stored: a tab waiting on this flag finds it when it goes.
          localStorage.removeItem(CHANGING_KEY);
        }
      })();
      changing.current = change.catch(() => undefined);
      await change;
    },
    [api, signIn],
  );

  const signOutEverywhere = useCallback(async () => {
    await api.revokeSessions();
    signOut();
  }, [api, signOut]);

  const updateProfile = useCallback(
    async (body: UpdateProfileRequest) => {
      const user = await api.updateProfile(body);
      storeUser(user);
      return user;
    },
    [api],
  );

  const refreshUser = useCallback(async () => {
    storeUser(await api.me());
  }, [api]);

  const value = useMemo<AuthContextValue>(
    () => ({
      user: session?.user ?? null,
      token,
      api,
      signIn,
      signOut,
      expire,
      changePassword,
      signOutEverywhere,
      updateProfile,
      refreshUser,
    }),
    [session, token, api, signIn, signOut, expire, changePassword, signOutEverywhere, updateProfile, refreshUser],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
