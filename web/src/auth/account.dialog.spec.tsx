import '@testing-library/jest-dom';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { AccountDialog } from './account.dialog';
import { AuthProvider } from './auth.context';

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

const onClose = jest.fn();

function renderDialog() {
  render(
    <AuthProvider>
      <MemoryRouter initialEntries={['/']}>
        <Routes>
          <Route path="/" element={<AccountDialog onClose={onClose} />} />
          <Route path="/login" element={<p>the sign-in page</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
  return screen.getByRole('dialog', { name: 'Account' });
}

const storedToken = () =>
  (JSON.parse(localStorage.getItem(KEY) ?? 'null') as { token?: string } | null)?.token;

async function fillPasswords(current: string, next: string, confirm = next) {
  if (current) await userEvent.type(screen.getByLabelText('Current password'), current);
  if (next) await userEvent.type(screen.getByLabelText('New password'), next);
  if (confirm) await userEvent.type(screen.getByLabelText('Confirm new password'), confirm);
}

describe('AccountDialog', () => {
  const fetchMock = jest.fn<Promise<Response>, [string, RequestInit]>();

  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem(KEY, JSON.stringify({ token: 'tok-1', user: dana }));
    fetchMock.mockReset();
    globalThis.fetch = fetchMock as unknown as typeof fetch;
  });

  describe('Change password', () => {
    it('checks the fields first: each error under its field, the first one focused, nothing sent', async () => {
      renderDialog();
      await fillPasswords('', 'short', 'shorter');
      await userEvent.click(screen.getByRole('button', { name: 'Change password' }));

      const current = screen.getByLabelText('Current password');
      expect(current).toHaveAttribute('aria-invalid', 'true');
      expect(current).toHaveAccessibleDescription('Enter your current password.');
      expect(current).toHaveFocus();
      expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Use at least 8 characters.');
      expect(screen.getByLabelText('Confirm new password')).toHaveAccessibleDescription(
        'This is not the same as the new password.',
      );
      expect(fetchMock).not.toHaveBeenCalled();
    });

    it('a wrong current password: the server’s field error under Current password, and an alert', async () => {
      fetchMock.mockResolvedValueOnce(
        response(422, {
          type: 'urn:concord:problem:validation-failed',
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'The current password is wrong.',
          instance: '/api/auth/password',
          code: 'validation_failed',
          errors: [{ path: 'currentPassword', message: 'is wrong' }],
        }),
      );
      renderDialog();
      await fillPasswords('not my password', 'a new password');
      await userEvent.click(screen.getByRole('button', { name: 'Change password' }));

      expect(await screen.findByRole('alert')).toHaveTextContent('The current password is wrong.');
      const current = screen.getByLabelText('Current password');
      expect(current).toHaveAttribute('aria-invalid', 'true');
      expect(current).toHaveAccessibleDescription('Current password is wrong.');
      expect(current).toHaveFocus();
      expect(screen.getByLabelText('New password')).not.toHaveAttribute('aria-invalid');
      expect(storedToken()).toBe('tok-1');
    });

    it('changed: says so in a status, stores the new token (this tab stays signed in) and empties the form', async () => {
      fetchMock.mockResolvedValueOnce(response(200, { user: dana, token: 'tok-2' }));
      const dialog = renderDialog();
      await fillPasswords('old password', 'a new password');
      await userEvent.click(screen.getByRole('button', { name: 'Change password' }));

      expect(await within(dialog).findByRole('status')).toHaveTextContent('Your password was changed.');
      const [url, init] = fetchMock.mock.calls[0];
      expect(url).toBe('/api/auth/password');
      expect(init.method).toBe('PUT');
      expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-1');
      expect(JSON.parse(init.body as string)).toEqual({
        currentPassword: 'old password',
        newPassword: 'a new password',
      });
      expect(storedToken()).toBe('tok-2');
      expect(screen.getByLabelText('Current password')).toHaveValue('');
      expect(screen.getByLabelText('New password')).toHaveValue('');
      expect(screen.getByLabelText('Confirm new password')).toHaveValue('');
      expect(screen.queryByRole('alert')).toBeNull();
    });
  });

  describe('Sign out everywhere', () => {
    it('asks first; Cancel sends nothing', async () => {
      renderDialog();
      await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
      const question = screen.getByRole('group', { name: /Sign out everywhere\?/ });
      expect(within(question).getByRole('button', { name: 'Cancel' })).toHaveFocus();
      await userEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
      expect(screen.queryByRole('group')).toBeNull();
      expect(screen.getByRole('button', { name: 'Sign out everywhere' })).toHaveFocus();
      expect(fetchMock).not.toHaveBeenCalled();
    });

    it('confirmed: revokes every token on the server, forgets the session here and goes to the sign-in page', async () => {
      fetchMock.mockResolvedValueOnce(response(204));
      renderDialog();
      await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
      await userEvent.click(screen.getByRole('button', { name: 'Yes, sign out everywhere' }));

      expect(await screen.findByText('the sign-in page')).toBeInTheDocument();
      const [url, init] = fetchMock.mock.calls[0];
      expect(url).toBe('/api/auth/sessions');
      expect(init.method).toBe('DELETE');
      expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-1');
      expect(localStorage.getItem(KEY)).toBeNull();
    });

    it('refused (the server unreachable): stays signed in and says why', async () => {
      fetchMock.mockRejectedValueOnce(new TypeError('fetch failed'));
      renderDialog();
      await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
      await userEvent.click(screen.getByRole('button', { name: 'Yes, sign out everywhere' }));
      expect(await screen.findByRole('alert')).toHaveTextContent(/cannot reach/i);
      expect(storedToken()).toBe('tok-1');
      expect(screen.queryByText('the sign-in page')).toBeNull();
    });
  });
});
