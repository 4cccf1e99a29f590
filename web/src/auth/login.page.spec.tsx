import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { AuthProvider } from './auth.context';
import { LoginPage } from './login.page';

const user = { id: '5d3c1c1e-1111-4a8e-9d53-3f1f2b6f4a11', username: 'dana', displayName: 'Dana' };

/** The part of a fetch Response the API client reads (jsdom has no Response class). */
function jsonResponse(status: number, body: unknown): Response {
  const headers = new Map([['content-type', status < 400 ? 'application/json' : 'application/problem+json']]);
  return {
    ok: status < 400,
    status,
    headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
    json: () => Promise.resolve(body),
    text: () => Promise.resolve(JSON.stringify(body)),
  } as unknown as Response;
}

function renderLogin() {
  render(
    <AuthProvider>
      <MemoryRouter initialEntries={['/login']}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/" element={<p>the document list</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

describe('LoginPage', () => {
  const fetchMock = jest.fn<Promise<Response>, [string, RequestInit]>();

  beforeEach(() => {
    localStorage.clear();
    fetchMock.mockReset();
    globalThis.fetch = fetchMock as unknown as typeof fetch;
  });

  it('signs in with Username and Password, keeps the token and opens the list', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { user, token: 'tok-1' }));
    renderLogin();
    await userEvent.type(screen.getByLabelText('Username'), 'dana');
    await userEvent.type(screen.getByLabelText('Password'), 'secret password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('the document list')).toBeInTheDocument();
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/auth/login');
    expect(JSON.parse(init.body as string)).toEqual({ username: 'dana', password: 'secret password' });
    expect(JSON.parse(localStorage.getItem('concord:session') ?? '{}')).toEqual({ token: 'tok-1', user });
  });

  it('Create account switches to registration, whose submit button is also Create account', async () => {
    fetchMock.mockResolvedValueOnce(jsonResponse(201, { user, token: 'tok-2' }));
    renderLogin();
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.queryByRole('button', { name: 'Sign in' })).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Username'), 'dana');
    await userEvent.type(screen.getByLabelText('Password'), 'secret password');
    await userEvent.type(screen.getByLabelText(/Display name/), 'Dana');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('the document list')).toBeInTheDocument();
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/auth/register');
    expect(JSON.parse(init.body as string)).toEqual({ username: 'dana', password: 'secret password', displayName: 'Dana' });
  });

  it('shows the server’s reason when sign-in fails, and stays on the page', async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(401, {
        type: 'urn:concord:problem:invalid-credentials',
        title: 'Unauthorized',
        status: 401,
        detail: 'Wrong username or password.',
        instance: '/api/auth/login',
        code: 'invalid_credentials',
      }),
    );
    renderLogin();
    await userEvent.type(screen.getByLabelText('Username'), 'dana');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(localStorage.getItem('concord:session')).toBeNull();
  });
});
