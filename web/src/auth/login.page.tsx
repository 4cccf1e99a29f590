import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { describeError } from '../api/api.client';
import { useAuth } from './auth.context';

type Mode = 'sign-in' | 'register';

export function LoginPage() {
  const { api, signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [mode, setMode] = useState<Mode>('sign-in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const from = (location.state as { from?: string } | null)?.from ?? '/';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const response =
        mode === 'sign-in'
          ? await api.login({ username, password })
          : await api.register(displayName.trim() ? { username, password, displayName: displayName.trim() } : { username, password });
      signIn(response);
      await navigate(from, { replace: true });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  function switchMode(next: Mode) {
    setMode(next);
    setError(null);
  }

  return (
    <main className="auth-page">
      <h1 className="brand">Concord</h1>
      <form className="card auth-form" onSubmit={(event) => void submit(event)} aria-labelledby="auth-heading">
        <h2 id="auth-heading">{mode === 'sign-in' ? 'Sign in' : 'Create your account'}</h2>
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {mode === 'register' && (
          <label>
            Display name <span className="hint">(optional)</span>
            <input name="displayName" autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {mode === 'sign-in' ? (
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Sign in
            </button>
            <button type="button" onClick={() => switchMode('register')}>
              Create account
            </button>
          </div>
        ) : (
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Create account
            </button>
            <button type="button" className="link" onClick={() => switchMode('sign-in')}>
              I already have an account
            </button>
          </div>
        )}
      </form>
    </main>
  );
}
