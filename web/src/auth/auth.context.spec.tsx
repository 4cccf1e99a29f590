import '@testing-library/jest-dom';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AuthProvider, useAuth } from './auth.context';

const dana = { id: '5d3c1c1e-1111-4a8e-9d53-3f1f2b6f4a11', username: 'dana', displayName: 'Dana' };
const KEY = 'concord:session';

/** The part of a fetch Response the API client reads (jsdom has no Response class). */
function response(status: number, body?: unknown): Response {
  const text = body === undefined ? '' : JSON.stringify(body);
  return {
    ok: status < 400,
    status,
    headers: {
      get: (name: string) => (name.toLowerCase() === 'content-type' && text ? 'application/json' : null),
    },
    text: () => Promise.resolve(text),
  } as unknown as Response;
}

const unauthorized = () =>
  response(401, {
    type: 'urn:concord:problem:unauthorized',
    title: 'Unauthorized',
    status: 401,
    detail: 'This token is no longer valid.',
    instance: '/api/auth/me',
    code: 'unauthorized',
  });

function store(token: string, user = dana) {
  localStorage.setItem(KEY, JSON.stringify({ token, user }));
}

/** What another tab does to the shared session: the storage changes, then this tab hears of it. */
function anotherTabStores(token: string | null) {
  if (token === null) localStorage.removeItem(KEY);
  else store(token);
  act(() => {
    window.dispatchEvent(new StorageEvent('storage', { key: KEY }));
  });
}

/** Shows the session, and makes the requests the tests need. */
function Probe() {
  const { token, user, api, changePassword, updateProfile, refreshUser } = useAuth();
  return (
    <div>
      <p data-testid="token">{token ?? 'signed out'}</p>
      <p data-testid="name">{user?.displayName ?? 'nobody'}</p>
      <button type="button" onClick={() => void api.me().catch(() => undefined)}>
        Ask who I am
      </button>
      <button
        type="button"
        onClick={() => void changePassword({ currentPassword: 'old password', newPassword: 'new password' })}
      >
        Change
      </button>
      <button
        type="button"
        onClick={() => void updateProfile({ displayName: 'Dana Scully' }).catch(() => undefined)}
      >
        Rename
      </button>
      <button type="button" onClick={() => void refreshUser().catch(() => undefined)}>
        Refresh
      </button>
    </div>
  );
}

const shownToken = () => screen.getByTestId('token').textContent;
const shownName = () => screen.getByTestId('name').textContent;
const storedToken = () =>
  (JSON.parse(localStorage.getItem(KEY) ?? 'null') as { token?: string } | null)?.token;
const sentToken = (call: [string, RequestInit]) => (call[1].headers as Record<string, string>).Authorization;

describe('AuthProvider: one session shared by the tabs of a browser', () => {
  const fetchMock = jest.fn<Promise<Response>, [string, RequestInit]>();

  beforeEach(() => {
    localStorage.clear();
    fetchMock.mockReset();
    globalThis.fetch = fetchMock as unknown as typeof fetch;
  });

  it('takes up a token another tab stored (a password changed there), and the next request carries it', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    expect(shownToken()).toBe('tok-1');
    anotherTabStores('tok-2');
    expect(shownToken()).toBe('tok-2');
    fetchMock.mockResolvedValueOnce(response(200, dana));
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    expect(sentToken(fetchMock.mock.calls[0])).toBe('Bearer tok-2');
  });

  it('a name changed in another tab (the token the same): shown here too', () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    expect(shownName()).toBe('Dana');
    store('tok-1', { ...dana, displayName: 'Dana Scully' });
    act(() => {
      window.dispatchEvent(new StorageEvent('storage', { key: KEY }));
    });
    expect(shownName()).toBe('Dana Scully');
    expect(shownToken()).toBe('tok-1');
  });

  /** Renames Dana to Dana Scully from this tab; `meanwhile` happens before the server answers. */
  async function renameAnsweredAfter(meanwhile: () => void) {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    let answer: (value: Response) => void = () => undefined;
    fetchMock.mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/auth/me');
    expect(init.method).toBe('PATCH');
    expect(JSON.parse(init.body as string)).toEqual({ displayName: 'Dana Scully' });
    meanwhile();
    await act(async () => {
      answer(response(200, { ...dana, displayName: 'Dana Scully' }));
      for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    });
  }

  it('a new name is stored with the token stored by then (a password changed in another tab meanwhile)', async () => {
    await renameAnsweredAfter(() => store('tok-2'));
    expect(shownName()).toBe('Dana Scully');
    expect(shownToken()).toBe('tok-2');
    expect(JSON.parse(localStorage.getItem(KEY) ?? 'null')).toEqual({
      token: 'tok-2',
      user: { ...dana, displayName: 'Dana Scully' },
    });
  });

  it('a new name answering after another tab signed out does not bring the session back', async () => {
    await renameAnsweredAfter(() => anotherTabStores(null));
    expect(shownToken()).toBe('signed out');
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('asking the server who is signed in takes up a name changed in another browser, and keeps the token', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    fetchMock.mockResolvedValueOnce(response(200, { ...dana, displayName: 'Agent Scully' }));
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/me');
    expect(shownName()).toBe('Agent Scully');
    expect(JSON.parse(localStorage.getItem(KEY) ?? 'null')).toEqual({
      token: 'tok-1',
      user: { ...dana, displayName: 'Agent Scully' },
    });
  });

  it('signed out in another tab: signed out here too', () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    anotherTabStores(null);
    expect(shownToken()).toBe('signed out');
  });

  it('a 401 for the token in use (signed out everywhere, elsewhere) signs out and forgets it', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    fetchMock.mockResolvedValueOnce(unauthorized());
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    await screen.findByText('signed out');
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('a 401 for a token another tab has already replaced (its news not heard yet): goes on with the new one', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    // The other tab changed the password and stored the new token; this tab has not heard yet.
    store('tok-2');
    fetchMock.mockResolvedValueOnce(unauthorized());
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    await screen.findByText('tok-2');
    expect(storedToken()).toBe('tok-2');
  });

  it('a 401 while another tab is changing the password waits for that tab, then goes on with its new token', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    localStorage.setItem('concord:changing-password', String(Date.now()));
    fetchMock.mockResolvedValueOnce(unauthorized());
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    await act(async () => {
      for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    });
    expect(shownToken()).toBe('tok-1');
    expect(storedToken()).toBe('tok-1');
    // The other tab stores its new token and then lowers its flag; the storage events of both
    // reach this tab (the first one is what usually brings the token).
    store('tok-2');
    localStorage.removeItem('concord:changing-password');
    await act(async () => {
      window.dispatchEvent(new StorageEvent('storage', { key: 'concord:changing-password' }));
      for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    });
    expect(shownToken()).toBe('tok-2');
    expect(storedToken()).toBe('tok-2');
  });

  it('a 401 while another tab tries a password change that fails: signs out once that tab is done', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    localStorage.setItem('concord:changing-password', String(Date.now()));
    fetchMock.mockResolvedValueOnce(unauthorized());
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    expect(shownToken()).toBe('tok-1');
    localStorage.removeItem('concord:changing-password');
    act(() => {
      window.dispatchEvent(new StorageEvent('storage', { key: 'concord:changing-password' }));
    });
    await screen.findByText('signed out');
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('a password change stores the new token; a 401 answering an older request meanwhile does not sign out', async () => {
    store('tok-1');
    render(
      <AuthProvider>
        <Probe />
      </AuthProvider>,
    );
    let answerChange: (value: Response) => void = () => undefined;
    fetchMock.mockImplementationOnce(() => new Promise<Response>((resolve) => (answerChange = resolve)));
    await userEvent.click(screen.getByRole('button', { name: 'Change' }));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/auth/password');
    expect(init.method).toBe('PUT');
    expect(JSON.parse(init.body as string)).toEqual({
      currentPassword: 'old password',
      newPassword: 'new password',
    });
    // The other tabs can tell a change is on its way.
    expect(localStorage.getItem('concord:changing-password')).not.toBeNull();

    // The server has revoked tok-1 before its answer carrying tok-2 arrives here.
    fetchMock.mockResolvedValueOnce(unauthorized());
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    expect(shownToken()).toBe('tok-1');
    await act(async () => {
      answerChange(response(200, { user: dana, token: 'tok-2' }));
      for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    });
    expect(shownToken()).toBe('tok-2');
    expect(storedToken()).toBe('tok-2');
    expect(localStorage.getItem('concord:changing-password')).toBeNull();

    fetchMock.mockResolvedValueOnce(response(200, dana));
    await userEvent.click(screen.getByRole('button', { name: 'Ask who I am' }));
    expect(sentToken(fetchMock.mock.calls[2])).toBe('Bearer tok-2');
    expect(shownToken()).toBe('tok-2');
  });
});
