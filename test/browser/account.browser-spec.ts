import type { Page } from 'playwright-core';
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { http } from '../support';
import {
  appErrors,
  describeBrowser,
  editorBox,
  markPage,
  openDocument,
  pageMark,
  registerWithName,
  sharedDocument,
  useBrowserSuite,
  waitForStatus,
  waitForText,
  type UserWindow,
} from './browser.helpers';

// Set here because a project config's testTimeout is not applied in a multi-project run.
jest.setTimeout(90_000);

/** registerWithName's password. */
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';

/** The token this browser keeps (localStorage, shared by its tabs), or null when signed out. */
function storedToken(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const raw = localStorage.getItem('concord:session');
    return raw === null ? null : (JSON.parse(raw) as { token: string }).token;
  });
}

const failedLoad = (status: number) =>
  `Failed to load resource: the server responded with a status of ${status} `;

/**
 * Error answers to socket.io's own polling requests, per page: the server closing a connection
 * while the client was still upgrading it to a WebSocket answers the last poll 400 (unknown
 * session). Chromium logs it like any failed resource; it is transport noise, not an app error.
 */
const transportNoise = new WeakMap<Page, string[]>();
function watchTransport(page: Page): void {
  const noise: string[] = [];
  transportNoise.set(page, noise);
  page.on('response', (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname.startsWith('/socket.io/')) {
      noise.push(failedLoad(response.status()));
    }
  });
}

/** The token of each socket.io handshake (CONNECT packet) the page sent, in order. */
const socketHandshakes = new WeakMap<Page, string[]>();
function watchSocketTokens(page: Page): void {
  const tokens: string[] = [];
  socketHandshakes.set(page, tokens);
  const note = (payload: string) => {
    // Engine.io message 4, socket.io CONNECT 0: `40{"token":"…"}` (polling may batch packets).
    for (const match of payload.matchAll(/40\{"token":"([^"]+)"\}/g)) tokens.push(match[1]);
  };
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/socket.io/')) note(request.postData() ?? '');
  });
  page.on('websocket', (socket) => socket.on('framesent', (frame) => note(String(frame.payload))));
}

function socketTokens(page: Page): string[] {
  return socketHandshakes.get(page) ?? [];
}

/**
 * The page's errors (Chromium logs every error answer as "Failed to load resource"), without
 * its transport noise and without the error answers of `expectedStatus`.
 */
function errorsBut(window: UserWindow, expectedStatus?: number): string[] {
  const noise = [...(transportNoise.get(window.page) ?? [])];
  return appErrors(window).filter((text) => {
    const index = noise.findIndex((prefix) => text.startsWith(prefix));
    if (index >= 0) {
      noise.splice(index, 1);
      return false;
    }
    return expectedStatus === undefined || !text.startsWith(failedLoad(expectedStatus));
  });
}

async function typeAtEnd(page: Page, text: string): Promise<void> {
  await editorBox(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

describeBrowser('account settings in the browser', () => {
  const suite = useBrowserSuite();

  async function register(name: string): Promise<AuthResponse> {
    return registerWithName(suite.server.url, `${name.toLowerCase()}-${Date.now().toString(36)}`, name);
  }

  async function login(username: string, password: string) {
    return http(suite.server.url)<AuthResponse>('/api/auth/login', {
      method: 'POST',
      body: { username, password },
    });
  }

  /** What the server answers `GET /api/auth/me` with `token` (fetched from here, not by the page). */
  async function meStatus(token: string): Promise<number> {
    return (await http(suite.server.url)('/api/auth/me', { token })).status;
  }

  it('a new password from the Account dialog: both open editors of the browser go on saving with the new token, without signing in again; the old token is refused', async () => {
    const carol = await register('Carol');
    const doc = await sharedDocument(suite.server.url, carol, [], 'Diary', 'Day one.');
    const w = await suite.openWindow(carol);
    const first = w.page;
    // A second tab of the same browser: the same stored session.
    const second = await w.context.newPage();
    const secondErrors: string[] = [];
    second.on('console', (message) => {
      if (message.type() === 'error') secondErrors.push(message.text());
    });
    second.on('pageerror', (error) => secondErrors.push(`uncaught: ${error.message}`));
    watchTransport(first);
    watchTransport(second);
    watchSocketTokens(first);
    watchSocketTokens(second);
    await openDocument(w, suite.server.url, doc.id);
    await second.goto(`${suite.server.url}/d/${doc.id}`);
    await waitForStatus(second, /Saved/);
    await markPage(first);
    await markPage(second);

    await first.getByRole('button', { name: 'Account' }).click();
    const dialog = first.getByRole('dialog', { name: 'Account' });
    await dialog.getByLabel('Current password').fill(PASSWORD);
    await dialog.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await dialog.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Your password was changed.' }).waitFor();

    const newToken = await storedToken(first);
    expect(newToken).not.toBeNull();
    expect(newToken).not.toBe(carol.token);
    // The old token is refused, the new one accepted.
    expect(await meStatus(carol.token)).toBe(401);
    expect(await meStatus(newToken ?? '')).toBe(200);
    expect((await login(carol.user.username, PASSWORD)).status).toBe(401);
    expect((await login(carol.user.username, NEW_PASSWORD)).status).toBe(200);

    // This tab goes on: its typing reaches the server over the socket, which the server closed
    // for the old token and which came back with the new one.
    await first.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await typeAtEnd(first, ' Changed my password.');
    await waitForStatus(first, /Saved · version 2/);
    // So does the other tab, which learnt the new token from the shared storage.
    await waitForText(second, 'Day one. Changed my password.');
    await typeAtEnd(second, ' Still here.');
    await waitForStatus(second, /Saved · version 3/);
    await waitForText(first, 'Day one. Changed my password. Still here.');

    // Each tab's socket was closed by the server for the old token; each connected again with the new one.
    expect(socketTokens(first)).toEqual([carol.token, newToken]);
    expect(socketTokens(second)).toEqual([carol.token, newToken]);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: newToken ?? '',
    });
    expect(stored.body.content).toBe('Day one. Changed my password. Still here.');
    expect(await storedToken(second)).toBe(newToken);
    for (const page of [first, second]) {
      expect(page.url()).toBe(`${suite.server.url}/d/${doc.id}`);
      expect(await pageMark(page)).toBe('not reloaded');
    }
    // No request of either tab was refused: none went out with the old token.
    expect(errorsBut(w)).toEqual([]);
    expect(errorsBut({ ...w, page: second, errors: secondErrors })).toEqual([]);
  });

  it('a new display name from the Account dialog: the header of both tabs shows it without a reload, and another user’s editor lists it among the people editing', async () => {
    const fay = await register('Fay');
    const gus = await register('Gus');
    const doc = await sharedDocument(suite.server.url, fay, [gus], 'Recipes', 'Soup.');
    const w = await suite.openWindow(fay);
    const first = w.page;
    // A second tab of the same browser, on the document list: the same stored session.
    const second = await w.context.newPage();
    const other = await suite.openWindow(gus);
    watchTransport(first);
    watchTransport(other.page);
    await openDocument(w, suite.server.url, doc.id);
    await second.goto(`${suite.server.url}/`);
    await openDocument(other, suite.server.url, doc.id);
    const header = (page: Page) => page.getByRole('navigation', { name: 'Account' });
    const people = other.page.getByRole('list', { name: 'People editing' });
    await people.getByText('Fay', { exact: true }).waitFor();
    await header(second).getByText('Fay', { exact: true }).waitFor();
    await markPage(first);
    await markPage(second);

    await first.getByRole('button', { name: 'Account' }).click();
    const dialog = first.getByRole('dialog', { name: 'Account' });
    const field = dialog.getByLabel('Display name');
    expect(await field.inputValue()).toBe('Fay');
    // A right-to-left override is refused (the shared schema, before anything is sent): said
    // under the field, nothing changes.
    await field.fill('Fay\u202Eevil');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await dialog
      .getByText('Display name contains a control or bidirectional formatting character.')
      .waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');

    await field.fill('  Fay Fairweather ');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Your name is now Fay Fairweather.' }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Save name' }).isDisabled()).toBe(true);

    // This tab's header at once, the other tab's through the shared storage, neither reloaded.
    await header(first).getByText('Fay Fairweather', { exact: true }).waitFor();
    await header(second).getByText('Fay Fairweather', { exact: true }).waitFor();
    // Gus's editor hears the new presence from the server; Fay's own lists her under it too.
    await people.getByText('Fay Fairweather', { exact: true }).waitFor();
    expect(await people.getByText('Fay', { exact: true }).count()).toBe(0);
    await first.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await first
      .getByRole('list', { name: 'People editing' })
      .getByText('Fay Fairweather (you)', { exact: true })
      .waitFor();

    const me = await http(suite.server.url)<{ displayName: string }>('/api/auth/me', { token: fay.token });
    expect(me.body.displayName).toBe('Fay Fairweather');
    for (const page of [first, second]) expect(await pageMark(page)).toBe('not reloaded');
    // Another browser, signed in before with the old name stored: it asks the server on load.
    const elsewhere = await suite.openWindow(fay);
    await elsewhere.page.goto(`${suite.server.url}/`);
    await header(elsewhere.page).getByText('Fay Fairweather', { exact: true }).waitFor();
    expect(errorsBut(elsewhere)).toEqual([]);
    expect(errorsBut(w)).toEqual([]);
    expect(errorsBut(other)).toEqual([]);
  });

  it('a wrong current password is shown under the field; nothing changes', async () => {
    const erin = await register('Erin');
    const w = await suite.openWindow(erin);
    await w.page.goto(`${suite.server.url}/`);
    await w.page.getByRole('button', { name: 'Account' }).click();
    const dialog = w.page.getByRole('dialog', { name: 'Account' });
    await dialog.getByLabel('Current password').fill('not my password');
    await dialog.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await dialog.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await dialog.getByRole('button', { name: 'Change password' }).click();

    await dialog.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
    const current = dialog.getByLabel('Current password');
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    expect(await current.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await storedToken(w.page)).toBe(erin.token);
    expect(await meStatus(erin.token)).toBe(200);
    expect((await login(erin.user.username, PASSWORD)).status).toBe(200);
    expect(errorsBut(w, 422)).toEqual([]);
  });

  it('sign out everywhere: this page lands on /login, another browser is sent there on its next request, and an open editor elsewhere too', async () => {
    const dave = await register('Dave');
    const doc = await sharedDocument(suite.server.url, dave, [], 'Plans', 'Nothing yet.');
    const here = await suite.openWindow(dave);
    const elsewhere = await suite.openWindow(dave);
    const editing = await suite.openWindow(dave);
    await here.page.goto(`${suite.server.url}/`);
    await elsewhere.page.goto(`${suite.server.url}/`);
    await elsewhere.page.getByRole('link', { name: 'Plans' }).waitFor();
    await openDocument(editing, suite.server.url, doc.id);
    for (const window of [here, elsewhere, editing]) watchTransport(window.page);

    await here.page.getByRole('button', { name: 'Account' }).click();
    const dialog = here.page.getByRole('dialog', { name: 'Account' });
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    const question = dialog.getByRole('group', { name: /Sign out everywhere\?/ });
    await question.getByRole('button', { name: 'Yes, sign out everywhere' }).click();

    await here.page.waitForURL(`${suite.server.url}/login`);
    await here.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedToken(here.page)).toBeNull();
    expect(await meStatus(dave.token)).toBe(401);

    // The other browser still shows its list; its next request is refused and it signs out.
    expect(elsewhere.page.url()).toBe(`${suite.server.url}/`);
    await elsewhere.page.getByRole('searchbox', { name: 'Search documents' }).fill('Pl');
    await elsewhere.page.waitForURL(`${suite.server.url}/login`);
    await elsewhere.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedToken(elsewhere.page)).toBeNull();

    // The open editor's socket was closed by the server; trying its token again, it is refused.
    await editing.page.waitForURL(`${suite.server.url}/login`);
    expect(await storedToken(editing.page)).toBeNull();

    // Signing in again works (the password did not change) and the document is there.
    await here.page.getByLabel('Username').fill(dave.user.username);
    await here.page.getByLabel('Password').fill(PASSWORD);
    await here.page.getByRole('button', { name: 'Sign in' }).click();
    await here.page.getByRole('link', { name: 'Plans' }).waitFor();
    // The refused requests (401) are how the other windows learn; nothing else went wrong.
    for (const window of [here, elsewhere, editing]) expect(errorsBut(window, 401)).toEqual([]);
  });
});
