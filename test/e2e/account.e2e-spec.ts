// What a user changes about their own account: the display name (others see it at once), the
// password, and signing out everywhere. A new password or signing out everywhere cuts off every
// token issued before, at once, over HTTP and on the live channel.
import type { AuthResponse, ConcordDocument, UserSummary } from '@concord/shared';
import { describeE2E, registerUser, useSuiteServer } from '../support';
import { expectProblem } from './documents.helpers';
import { makePatchText } from './realtime-live-client';
import { closeAllClients, connectClient, nextEvent, send } from './realtime.helpers';

jest.setTimeout(60_000);

/** registerUser's password (test/support/http.ts). */
const PASSWORD = 'correct horse battery';

describeE2E('account: display name, password, signing out everywhere', () => {
  const suite = useSuiteServer({ beforeClose: closeAllClients });
  const { api } = suite;
  afterEach(() => closeAllClients());

  const me = (token: string) => api<UserSummary>('/api/auth/me', { token });
  const login = (username: string, password: string) =>
    api<AuthResponse>('/api/auth/login', { method: 'POST', body: { username, password } });
  const changePassword = (token: string, body: unknown) =>
    api<AuthResponse>('/api/auth/password', { method: 'PUT', token, body });

  /** A user signed in twice (two tokens, say two devices). */
  async function signedInTwice(): Promise<{ user: UserSummary; first: string; second: string }> {
    const { user, token } = await registerUser(suite.url);
    const again = await login(user.username, PASSWORD);
    expect(again.status).toBe(200);
    return { user, first: token, second: again.body.token };
  }

  /** Resolves with the reason once the socket is disconnected. */
  const disconnection = (socket: Awaited<ReturnType<typeof connectClient>>): Promise<string> =>
    new Promise((resolve) => socket.once('disconnect', resolve));

  describe('PATCH /api/auth/me', () => {
    it('changes the display name; others in a shared document see it at once, in presence and edits', async () => {
      const renamed = await registerUser(suite.url);
      const watcher = await registerUser(suite.url);
      const created = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: renamed.token,
        body: { title: 'Renamed', content: 'one\n' },
      });
      expect(created.status).toBe(201);
      const documentId = created.body.id;
      const shared = await api(`/api/documents/${documentId}/members`, {
        method: 'POST',
        token: renamed.token,
        body: { username: watcher.user.username, role: 'viewer' },
      });
      expect(shared.status).toBe(201);
      const renamedSocket = await connectClient(suite.url, renamed.token);
      const watcherSocket = await connectClient(suite.url, watcher.token);
      expect(await send(renamedSocket, 'join', { documentId })).toMatchObject({ ok: true });
      expect(await send(watcherSocket, 'join', { documentId })).toMatchObject({ ok: true });

      const newName = { ...renamed.user, displayName: 'Renée R.' };
      const presence = nextEvent(watcherSocket, 'presence', (p) =>
        p.users.some((u) => u.displayName === 'Renée R.'),
      );
      const changed = await api<UserSummary>('/api/auth/me', {
        method: 'PATCH',
        token: renamed.token,
        body: { displayName: '  Renée R.  ' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual(newName);
      expect((await presence).users).toContainEqual(newName);
      expect((await me(renamed.token)).body).toEqual(newName);
      // The open socket edits under the new name; HTTP writes and the version history too.
      const edit = nextEvent(watcherSocket, 'edit');
      expect(
        await send(renamedSocket, 'edit', {
          documentId,
          baseVersion: 1,
          patch: makePatchText('one\n', 'one\ntwo\n'),
        }),
      ).toMatchObject({ ok: true, version: 2 });
      expect((await edit).author).toEqual(newName);
      const versions = await api<{ updatedBy: UserSummary }[]>(`/api/documents/${documentId}/versions`, {
        token: watcher.token,
      });
      expect(versions.body.map((v) => v.updatedBy)).toEqual([newName, newName]);
    });

    it('refuses a blank, overlong, misleading or unknown-field body, changing nothing', async () => {
      const { user, token } = await registerUser(suite.url);
      for (const body of [
        { displayName: '   ' },
        { displayName: 'x'.repeat(101) },
        { displayName: 'evil\u202Emallory' },
        { displayName: 'line\nbreak' },
        { displayName: '\u200B\u2060' }, // zero-width characters only: no visible name
        { displayName: 'Fine', username: 'taken-over' },
        {},
      ]) {
        expectProblem(await api('/api/auth/me', { method: 'PATCH', token, body }), 422, 'validation_failed');
      }
      expect((await me(token)).body).toEqual(user);
    });
  });

  describe('PUT /api/auth/password', () => {
    it('sets the new password and answers a new token; every earlier token and socket is cut off', async () => {
      const { user, first, second } = await signedInTwice();
      const socket = await connectClient(suite.url, second);
      const closed = disconnection(socket);

      const changed = await changePassword(first, {
        currentPassword: PASSWORD,
        newPassword: 'a brand new passphrase',
      });
      expect(changed.status).toBe(200);
      expect(changed.body.user).toEqual(user);
      expect(await closed).toBe('io server disconnect');
      for (const token of [first, second]) {
        expectProblem(await me(token), 401, 'unauthorized');
        await expect(connectClient(suite.url, token)).rejects.toThrow('unauthorized');
      }
      // The new token works, over HTTP and on the live channel; so does the new password, not the old.
      expect((await me(changed.body.token)).body).toEqual(user);
      const fresh = await connectClient(suite.url, changed.body.token);
      expect(fresh.connected).toBe(true);
      expectProblem(await login(user.username, PASSWORD), 401, 'invalid_credentials');
      expect((await login(user.username, 'a brand new passphrase')).status).toBe(200);
    });

    it('refuses a wrong current password (422, nothing changes) and a weak or malformed body', async () => {
      const { user, first } = await signedInTwice();
      const wrong = await changePassword(first, {
        currentPassword: 'not my password',
        newPassword: 'whatever it is',
      });
      expectProblem(wrong, 422, 'validation_failed');
      expect(wrong.body).toMatchObject({ errors: [{ path: 'currentPassword' }] });
      for (const body of [
        { currentPassword: PASSWORD, newPassword: 'short' },
        { currentPassword: PASSWORD },
        { currentPassword: PASSWORD, newPassword: 'a long enough one', extra: true },
        { currentPassword: '', newPassword: 'a long enough one' },
      ]) {
        expectProblem(await changePassword(first, body), 422, 'validation_failed');
      }
      expectProblem(
        await changePassword('not-a-token', { currentPassword: PASSWORD, newPassword: 'abcdefghij' }),
        401,
        'unauthorized',
      );
      // Nothing changed: the token still works and so does the password.
      expect((await me(first)).status).toBe(200);
      expect((await login(user.username, PASSWORD)).status).toBe(200);
    });

    it('lets only one of two changes racing from the same current password win', async () => {
      const { user, first, second } = await signedInTwice();
      const answers = await Promise.all([
        changePassword(first, { currentPassword: PASSWORD, newPassword: 'first new password' }),
        changePassword(second, { currentPassword: PASSWORD, newPassword: 'second new password' }),
      ]);
      const [winnerStatus, loserStatus] = answers.map((answer) => answer.status).sort((a, b) => a - b);
      // The loser is refused: its current password is gone (422), or its own token already is (401).
      expect(winnerStatus).toBe(200);
      expect([401, 422]).toContain(loserStatus);
      const winner = answers.find((answer) => answer.status === 200)!;
      const winning = winner === answers[0] ? 'first new password' : 'second new password';
      const losing = winner === answers[0] ? 'second new password' : 'first new password';
      expect((await login(user.username, winning)).status).toBe(200);
      expectProblem(await login(user.username, losing), 401, 'invalid_credentials');
      expect((await me(winner.body.token)).status).toBe(200);
    });

    it('a password change racing a sign-out everywhere never leaves a working token behind', async () => {
      for (let round = 0; round < 3; round += 1) {
        const { first, second } = await signedInTwice();
        // The sign-out is quick; the change spends its time hashing, so the sign-out lands meanwhile.
        const [changed, signedOut] = await Promise.all([
          changePassword(first, { currentPassword: PASSWORD, newPassword: `new password ${round}` }),
          api('/api/auth/sessions', { method: 'DELETE', token: second }),
        ]);
        expect(signedOut.status).toBe(204);
        expect([200, 401]).toContain(changed.status);
        // Signed out everywhere means every token: one the change minted meanwhile too.
        if (changed.status === 200) expectProblem(await me(changed.body.token), 401, 'unauthorized');
        for (const token of [first, second]) expectProblem(await me(token), 401, 'unauthorized');
      }
    });
  });

  describe('DELETE /api/auth/sessions', () => {
    it('signs out everywhere: every token so far is refused and its sockets close; signing in again works', async () => {
      const { user, first, second } = await signedInTwice();
      const sockets = [await connectClient(suite.url, first), await connectClient(suite.url, second)];
      const closed = sockets.map(disconnection);
      // Another user's session is not touched.
      const other = await registerUser(suite.url);
      const otherSocket = await connectClient(suite.url, other.token);

      const revoked = await api('/api/auth/sessions', { method: 'DELETE', token: first });
      expect(revoked.status).toBe(204);
      expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
      for (const token of [first, second]) {
        expectProblem(await me(token), 401, 'unauthorized');
        expectProblem(await api('/api/auth/sessions', { method: 'DELETE', token }), 401, 'unauthorized');
      }
      expect(otherSocket.connected).toBe(true);
      expect((await me(other.token)).status).toBe(200);

      const back = await login(user.username, PASSWORD);
      expect(back.status).toBe(200);
      expect((await me(back.body.token)).body).toEqual(user);
    });
  });

  it('DELETE /api/auth/sessions and /api/auth/me take no body: a field in one is refused (422) and nothing happens', async () => {
    const { token } = await registerUser(suite.url);
    for (const path of ['/api/auth/sessions', '/api/auth/me']) {
      for (const body of [{ password: 'correct horse battery' }, { x: 1 }]) {
        expectProblem(await api(path, { method: 'DELETE', token, body }), 422, 'validation_failed');
      }
    }
    expect((await me(token)).status).toBe(200);
    // An empty object is no body.
    expect((await api('/api/auth/sessions', { method: 'DELETE', token, body: {} })).status).toBe(204);
  });
});
