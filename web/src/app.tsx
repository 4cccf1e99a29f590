import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { AccountDialog } from './auth/account.dialog';
import { AuthProvider, useAuth } from './auth/auth.context';
import { LoginPage } from './auth/login.page';
import { DocumentListPage } from './documents/document-list.page';

// The editor (CodeMirror, the merge UI) is the heavy part: loaded when a document is opened.
const EditorPage = lazy(() => import('./editor/editor.page').then((module) => ({ default: module.EditorPage })));

function RequireAuth({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return children;
}

function Header() {
  const { user, token, signOut, refreshUser } = useAuth();
  const [accountOpen, setAccountOpen] = useState(false);
  // Once per token: the stored name may be stale (changed in another browser); a revoked token
  // is found out here too (the 401 signs out).
  useEffect(() => {
    if (token) refreshUser().catch(() => undefined);
  }, [token, refreshUser]);
  // Signed out (here, everywhere, or in another tab): the dialog does not come back with the next user.
  if (!user && accountOpen) setAccountOpen(false);
  if (!user) return null;
  return (
    <header className="app-header">
      <Link to="/" className="brand">
        Concord
      </Link>
      <nav aria-label="Account" className="account">
        <span className="who" title={user.username}>
          {user.displayName}
        </span>
        <button type="button" className="small" aria-haspopup="dialog" onClick={() => setAccountOpen(true)}>
          Account
        </button>
        <button type="button" className="small" onClick={signOut}>
          Sign out
        </button>
      </nav>
      {accountOpen && <AccountDialog onClose={() => setAccountOpen(false)} />}
    </header>
  );
}

export function App() {
  return (
    <AuthProvider>
      <BrowserRouter>
        <Header />
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            path="/"
            element={
              <RequireAuth>
                <DocumentListPage />
              </RequireAuth>
            }
          />
          <Route
            path="/d/:id"
            element={
              <RequireAuth>
                <Suspense fallback={<main className="page">Loading the editor…</main>}>
                  <EditorPage />
                </Suspense>
              </RequireAuth>
            }
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </AuthProvider>
  );
}
