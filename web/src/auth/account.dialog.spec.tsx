import '@testing-library/jest-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
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

/** The server's 422 for one field (`message` words the end of a sentence about it). */
function validationFailed(instance: string, detail: string, path: string, message: string): Response {
  return response(422, {
    type: 'urn:concord:problem:validation-failed',
    title: 'Unprocessable Entity',
    status: 422,
    detail,
    instance,
    code: 'validation_failed',
    errors: [{ path, message }],
  });
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

const stored = () =>
  JSON.parse(localStorage.getItem(KEY) ?? 'null') as { token?: string; user?: typeof dana } | null;
const storedToken = () => stored()?.token;

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

  describe('Display name', () => {
    const nameField = () => screen.getByLabelText('Display name');
    const saveButton = () => screen.getByRole('button', { name: 'Save name' });

    async function typeName(name: string) {
      await userEvent.clear(nameField());
      await userEvent.type(nameField(), name);
    }

    it('starts with the current name, focused; Save name waits for a different, non-blank one', async () => {
      renderDialog();
      expect(nameField()).toHaveValue('Dana');
      expect(nameField()).toHaveFocus();
      expect(saveButton()).toBeDisabled();
      await typeName('  Dana ');
      expect(saveButton()).toBeDisabled();
      await userEvent.clear(nameField());
      await userEvent.type(nameField(), '   ');
      expect(saveButton()).toBeDisabled();
      // Implicit submission (Enter) is blocked too.
      await userEvent.type(nameField(), '{Enter}');
      await typeName('Dana S');
      expect(saveButton()).toBeEnabled();
      expect(fetchMock).not.toHaveBeenCalled();
    });

    it('saved: sends the trimmed name, says so politely, and the signed-in user (kept for the other tabs) has it', async () => {
      fetchMock.mockResolvedValueOnce(response(200, { ...dana, displayName: 'Dana Scully' }));
      const dialog = renderDialog();
      await typeName('  Dana Scully  ');
      await userEvent.click(saveButton());

      expect(await within(dialog).findByRole('status')).toHaveTextContent('Your name is now Dana Scully.');
      const [url, init] = fetchMock.mock.calls[0];
      expect(url).toBe('/api/auth/me');
      expect(init.method).toBe('PATCH');
      expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-1');
      expect(JSON.parse(init.body as string)).toEqual({ displayName: 'Dana Scully' });
      expect(stored()).toEqual({ token: 'tok-1', user: { ...dana, displayName: 'Dana Scully' } });
      expect(within(dialog).getByText('Dana Scully', { selector: 'strong' })).toBeInTheDocument();
      expect(nameField()).toHaveValue('Dana Scully');
      expect(nameField()).toHaveFocus();
      expect(saveButton()).toBeDisabled();
      expect(screen.queryByRole('alert')).toBeNull();
    });

    it('too long for the shared schema: said under the field, nothing sent', async () => {
      renderDialog();
      await userEvent.clear(nameField());
      await userEvent.paste('x'.repeat(101));
      await userEvent.click(saveButton());
      expect(nameField()).toHaveAttribute('aria-invalid', 'true');
      expect(nameField()).toHaveAccessibleDescription('Use at most 100 characters.');
      expect(nameField()).toHaveFocus();
      expect(fetchMock).not.toHaveBeenCalled();
    });

    it('a bidirectional override is refused before anything is sent (the shared schema): the reason under the field', async () => {
      const dialog = renderDialog();
      await typeName('Dana\u202Eevil');
      await userEvent.click(saveButton());
      expect(fetchMock).not.toHaveBeenCalled();
      expect(nameField()).toHaveAttribute('aria-invalid', 'true');
      expect(nameField()).toHaveAccessibleDescription(
        'Display name contains a control or bidirectional formatting character.',
      );
      expect(nameField()).toHaveFocus();
      expect(within(dialog).queryByRole('alert')).toBeNull();
    });

    it('refused by the server (422): the detail in an alert, the reason under the field, the name kept', async () => {
      fetchMock.mockResolvedValueOnce(
        validationFailed(
          '/api/auth/me',
          'The request body is invalid: displayName: contains a control or bidirectional formatting character',
          'displayName',
          'contains a control or bidirectional formatting character',
        ),
      );
      const dialog = renderDialog();
      // A name this client lets through and the server refuses (a rule newer than the client).
      await typeName('Dana Fox');
      await userEvent.click(saveButton());

      expect(await screen.findByRole('alert')).toHaveTextContent(
        'The request body is invalid: displayName: contains a control or bidirectional formatting character',
      );
      expect(nameField()).toHaveAttribute('aria-invalid', 'true');
      expect(nameField()).toHaveAccessibleDescription(
        'Display name contains a control or bidirectional formatting character.',
      );
      expect(nameField()).toHaveFocus();
      expect(stored()?.user).toEqual(dana);
      expect(within(dialog).getByText('Dana', { selector: 'strong' })).toBeInTheDocument();
      expect(within(dialog).queryByRole('status')).toBeNull();
    });

    it('refused (429, or the server unreachable): says why in an alert', async () => {
      fetchMock.mockResolvedValueOnce(
        response(429, {
          type: 'urn:concord:problem:rate-limited',
          title: 'Too Many Requests',
          status: 429,
          detail: 'Too many requests. Try again in a minute.',
          instance: '/api/auth/me',
          code: 'rate_limited',
        }),
      );
      renderDialog();
      await typeName('Dana Scully');
      await userEvent.click(saveButton());
      expect(await screen.findByRole('alert')).toHaveTextContent('Too many requests. Try again in a minute.');
      expect(nameField()).not.toHaveAttribute('aria-invalid');

      fetchMock.mockRejectedValueOnce(new TypeError('fetch failed'));
      await userEvent.click(saveButton());
      expect(await screen.findByRole('alert')).toHaveTextContent(/cannot reach/i);
      expect(stored()?.user).toEqual(dana);
    });

    it('sends once however often it is asked while saving (a double click, the form submitted again)', async () => {
      let answer: (value: Response) => void = () => undefined;
      fetchMock.mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
      const dialog = renderDialog();
      await typeName('Dana Scully');
      await userEvent.dblClick(saveButton());
      expect(saveButton()).toBeDisabled();
      // Submitting the form directly skips the disabled button: the form itself refuses.
      const form = within(dialog).getByRole('form', { name: 'Your name' });
      fireEvent.submit(form);
      fireEvent.submit(form);
      expect(fetchMock).toHaveBeenCalledTimes(1);

      answer(response(200, { ...dana, displayName: 'Dana Scully' }));
      expect(await within(dialog).findByRole('status')).toHaveTextContent('Your name is now Dana Scully.');
      expect(fetchMock).toHaveBeenCalledTimes(1);
    });
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
        validationFailed(
          '/api/auth/password',
          'The current password is wrong.',
          'currentPassword',
          'is wrong',
        ),
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
