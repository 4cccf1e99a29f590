import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { http, startTestServer, type TestServer } from '../support';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_DIST = join(__dirname, '..', '..', 'web', 'dist');

/**
 * `describe`, when Chromium is there. Missing outside CI: skipped with a loud warning. Missing
 * under CI=true: a failing test, never a silent skip.
 */
export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${reason} (CI=true: a missing browser fails the run)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING the browser suite "${name}": ${reason}. Run with CI=true to fail instead. !!!\n`);
  describe.skip(name, body);
}

/** The server serves web/dist; `npm test` builds it first, a lone run builds it here. */
export function ensureWebBuilt(): void {
  if (existsSync(join(WEB_DIST, 'index.html')) && existsSync(join(WEB_DIST, 'assets'))) return;
  const built = spawnSync('npx', ['vite', 'build'], { cwd: join(__dirname, '..', '..', 'web'), stdio: 'inherit' });
  if (built.status !== 0) throw new Error('building the web client failed');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function registerWithName(baseUrl: string, username: string, displayName: string): Promise<AuthResponse> {
  const response = await http(baseUrl)<AuthResponse>('/api/auth/register', {
    method: 'POST',
    body: { username, password: 'correct horse battery', displayName },
  });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${response.text}`);
  return response.body;
}

/** A document owned by `owner`, shared with each of `editors` as an editor. */
export async function sharedDocument(baseUrl: string, owner: AuthResponse, editors: AuthResponse[], title: string, content: string): Promise<ConcordDocument> {
  const client = http(baseUrl);
  const created = await client<ConcordDocument>('/api/documents', { method: 'POST', token: owner.token, body: { title, content } });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
  for (const editor of editors) {
    const added = await client(`/api/documents/${created.body.id}/members`, {
      method: 'POST',
      token: owner.token,
      body: { username: editor.user.username, role: 'editor' },
    });
    if (added.status >= 300) throw new Error(`add member: ${added.status} ${added.text}`);
  }
  return created.body;
}

export interface UserWindow {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen in the page. */
  errors: string[];
}

/** A browser context signed in as `auth` (the session the app keeps in localStorage). */
export async function openWindow(browser: Browser, auth: AuthResponse): Promise<UserWindow> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  await context.addInitScript((session: string) => {
    if (!localStorage.getItem('concord:session')) localStorage.setItem('concord:session', session);
  }, JSON.stringify({ token: auth.token, user: auth.user }));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { context, page, errors };
}

/** The people a suite can register before its tests, by their display names. */
const PEOPLE = { alice: 'Alice', bob: 'Bob' } as const;
export type SuitePerson = keyof typeof PEOPLE;

/** The fields are filled in beforeAll: read them inside tests and hooks, not at describe level. */
export type BrowserSuite<P extends SuitePerson = never> = {
  server: TestServer;
  browser: Browser;
  /** `openWindow` on the suite's browser; the window is closed after the test. */
  openWindow(auth: AuthResponse): Promise<UserWindow>;
} & Record<P, AuthResponse>;

/**
 * One server and one Chromium for the enclosing describe, with `people` registered once (a fresh
 * name suffix per run), each test's windows closed after it. Call it at describe level, before
 * hooks that use it.
 */
export function useBrowserSuite<P extends SuitePerson = never>(
  options: { people?: readonly P[] } = {},
): BrowserSuite<P> {
  const windows: UserWindow[] = [];
  const suite = {
    async openWindow(auth: AuthResponse): Promise<UserWindow> {
      const opened = await openWindow(suite.browser, auth);
      windows.push(opened);
      return opened;
    },
  } as BrowserSuite<P>; // the other fields are filled in beforeAll

  beforeAll(async () => {
    ensureWebBuilt();
    suite.server = await startTestServer();
    suite.browser = await launchChromium();
    const suffix = Date.now().toString(36);
    // TypeScript cannot assign through `BrowserSuite<P>[P]`; the same object seen as a Record can.
    const people: Record<P, AuthResponse> = suite;
    for (const person of options.people ?? []) {
      people[person] = await registerWithName(suite.server.url, `${person}-${suffix}`, PEOPLE[person]);
    }
  }, 120_000);

  afterEach(async () => {
    for (const opened of windows.splice(0)) await opened.context.close();
  });

  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });

  return suite;
}

/** Marks the page, so a later check (`pageMark`) can tell it was never reloaded. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { concordMark?: string }).concordMark = 'not reloaded';
  });
}

export function pageMark(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (window as unknown as { concordMark?: string }).concordMark);
}

export function editorBox(page: Page) {
  return page.getByRole('textbox', { name: 'Document content' });
}

export function statusRegion(page: Page) {
  return page.getByRole('status');
}

/** The editor's text exactly, read from CodeMirror's lines without the remote-cursor labels. */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const lines = Array.from(document.querySelectorAll('.cm-content .cm-line'));
    return lines
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('.cm-remote-caret, .cm-placeholder').forEach((node) => node.remove());
        return copy.textContent ?? '';
      })
      .join('\n');
  });
}

export async function openDocument(window: UserWindow, baseUrl: string, id: string): Promise<void> {
  await window.page.goto(`${baseUrl}/d/${id}`);
  await waitForStatus(window.page, /Saved/);
}

export async function waitForStatus(page: Page, text: RegExp, timeout = 15_000): Promise<void> {
  await statusRegion(page).filter({ hasText: text }).waitFor({ timeout });
}

/** Polls until the editor shows `expected` (a string for equality, or a predicate). */
export async function waitForText(page: Page, expected: string | ((text: string) => boolean), timeout = 15_000): Promise<string> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeout) {
    last = await editorText(page);
    if (typeof expected === 'string' ? last === expected : expected(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`editor text never became ${typeof expected === 'string' ? JSON.stringify(expected) : 'as expected'}; last: ${JSON.stringify(last)}`);
}

/** Network noise Chromium logs while a context is deliberately offline: not app errors. */
export function appErrors(window: UserWindow): string[] {
  return window.errors.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|WebSocket connection to .* failed|Failed to load resource: net::/.test(text));
}
