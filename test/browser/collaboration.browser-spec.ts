import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConcordDocument } from '@concord/shared';
import { http } from '../support';
import {
  appErrors,
  describeBrowser,
  editorBox,
  openDocument,
  registerWithName,
  sharedDocument,
  statusRegion,
  useBrowserSuite,
  waitForStatus,
  waitForText,
  type UserWindow,
} from './browser.helpers';

/**
 * A temp dir, so that a test run leaves the git tree clean, unless CONCORD_SCREENSHOTS names a
 * folder (relative to the repository root): `CONCORD_SCREENSHOTS=docs/screenshots` refreshes the docs'.
 */
function screenshotDirectory(): string {
  const asked = process.env.CONCORD_SCREENSHOTS;
  if (!asked) return mkdtempSync(join(tmpdir(), 'concord-screenshots-'));
  const directory = resolve(__dirname, '..', '..', asked);
  mkdirSync(directory, { recursive: true });
  return directory;
}

// Set here because a project config's testTimeout is not applied in a multi-project run.
jest.setTimeout(90_000);

describeBrowser('two people editing one document in the browser', () => {
  const suite = useBrowserSuite({ people: ['alice', 'bob'] });
  let screenshots: string;

  beforeAll(() => {
    screenshots = screenshotDirectory();
  });

  async function pair(title: string, content: string): Promise<{ doc: ConcordDocument; a: UserWindow; b: UserWindow }> {
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], title, content);
    const a = await suite.openWindow(suite.alice);
    const b = await suite.openWindow(suite.bob);
    await openDocument(a, suite.server.url, doc.id);
    await openDocument(b, suite.server.url, doc.id);
    return { doc, a, b };
  }

  it('a new user creates an account, makes a document, writes in it, finds it by search and signs out', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 420, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => response.status() === 404 && errors.push(`404 ${response.url()}`));
    try {
      await page.goto(`${suite.server.url}/`);
      await page.waitForURL(/\/login$/);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByLabel('Username').fill(`carol-${Date.now().toString(36)}`);
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Create account' }).click();

      await page.getByRole('button', { name: 'New document' }).click();
      await page.getByLabel('Title').fill('Browser-made notes');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/d\/[0-9a-f-]{36}$/);
      await waitForStatus(page, /Saved/);
      await expect(page.getByRole('heading', { name: 'Browser-made notes' }).isVisible()).resolves.toBe(true);

      await editorBox(page).click();
      await page.keyboard.type('Written in a narrow window.');
      await waitForStatus(page, /Saving/);
      await waitForStatus(page, /Saved · version 2/);

      const id = page.url().split('/d/')[1];
      const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('concord:session') ?? '{}') as { token?: string }).token ?? '');
      const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${id}`, { token });
      expect(stored.body.content).toBe('Written in a narrow window.');

      // Leaving straight after typing: what was typed is still sent.
      await page.keyboard.type(' More.');
      await page.getByRole('link', { name: /Documents/ }).first().click();
      await page.getByLabel('Search documents').fill('Browser-made');
      for (let tries = 0; tries < 50; tries += 1) {
        const latest = await http(suite.server.url)<ConcordDocument>(`/api/documents/${id}`, { token });
        if (latest.body.content === 'Written in a narrow window. More.') break;
        await page.waitForTimeout(100);
      }
      expect((await http(suite.server.url)<ConcordDocument>(`/api/documents/${id}`, { token })).body.content).toBe('Written in a narrow window. More.');
      await page.getByRole('link', { name: 'Browser-made notes' }).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login$/);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('(1) each person sees the other typing live, with presence and cursors', async () => {
    const { a, b } = await pair('Live notes', '# Plan\n\n');
    // One status region per page, so getByRole('status') is unambiguous.
    expect(await statusRegion(a.page).count()).toBe(1);
    // Presence: each sees both names in "People editing".
    for (const window of [a, b]) {
      const people = window.page.getByRole('list', { name: 'People editing' });
      await people.getByText('Alice').waitFor();
      await people.getByText('Bob').waitFor();
    }

    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+End');
    await a.page.keyboard.type('- Alice: write the intro');
    await waitForText(b.page, (text) => text.includes('- Alice: write the intro'));

    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.press('Enter');
    await b.page.keyboard.type('Bob: review it');
    await waitForText(a.page, (text) => text.includes('Bob: review it'));

    // Alice keeps typing while Bob's edits arrive: her typing is neither lost nor moved.
    await a.page.keyboard.type(' (today)');
    const expected = '# Plan\n\n- Alice: write the intro (today)\n- Bob: review it';
    await waitForText(a.page, expected);
    await waitForText(b.page, expected);
    await waitForStatus(a.page, /Saved/);
    await waitForStatus(b.page, /Saved/);

    // Bob's cursor, labelled with his name, is drawn in Alice's editor.
    await a.page.locator('.cm-remote-caret-label', { hasText: 'Bob' }).waitFor();
    await a.page.screenshot({ path: join(screenshots, 'editor.png') });
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('(2) disjoint edits typed at the same time merge silently', async () => {
    const { doc, a, b } = await pair('Two lines', 'First line.\nSecond line.');
    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+Home');
    await a.page.keyboard.press('End');
    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+End');
    // Both type at once, character by character, so their edits race on the server.
    await Promise.all([
      a.page.keyboard.type(' Alice adds to the first.', { delay: 25 }),
      b.page.keyboard.type(' Bob adds to the second.', { delay: 25 }),
    ]);
    const expected = 'First line. Alice adds to the first.\nSecond line. Bob adds to the second.';
    await waitForText(a.page, expected);
    await waitForText(b.page, expected);
    await waitForStatus(a.page, /Saved/);
    await waitForStatus(b.page, /Saved/);
    for (const window of [a, b]) {
      expect(await window.page.getByRole('dialog', { name: 'Resolve conflicts' }).count()).toBe(0);
      expect(await statusRegion(window.page).textContent()).not.toMatch(/Conflict/);
    }
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.alice.token });
    expect(stored.body.content).toBe(expected);
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('(3) an overlapping edit made offline opens the merge UI; the resolution reaches both people', async () => {
    const { doc, a, b } = await pair('Meeting', 'The meeting is on Monday at ten.');
    await a.context.setOffline(true);
    await waitForStatus(a.page, /Offline/);

    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+a');
    await a.page.keyboard.type('The meeting is on Tuesday at ten.');
    await waitForStatus(a.page, /Offline/);

    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+a');
    await b.page.keyboard.type('The meeting is on Friday at ten.');
    await waitForStatus(b.page, /Saved/);

    // Back online: Alice's offline edit meets Bob's on the same word.
    await a.context.setOffline(false);
    const dialog = a.page.getByRole('dialog', { name: 'Resolve conflicts' });
    await dialog.waitFor({ timeout: 20_000 });
    await waitForStatus(a.page, /Conflict/);
    await expect(dialog.getByRole('region', { name: 'Theirs' }).first().textContent()).resolves.toMatch(/Bob.*Friday/);
    await expect(dialog.getByRole('region', { name: 'Mine' }).first().textContent()).resolves.toMatch(/Tuesday/);
    await a.page.screenshot({ path: join(screenshots, 'merge.png') });

    await dialog.getByRole('button', { name: 'Keep both' }).first().click();
    const resolved = await dialog.getByLabel('Merged result').inputValue();
    expect(resolved).toMatch(/Tuesday/);
    expect(resolved).toMatch(/Friday/);
    expect(resolved).not.toMatch(/<<<<<<<|>>>>>>>/);
    await dialog.getByRole('button', { name: 'Save merged version' }).click();
    await dialog.waitFor({ state: 'detached' });

    await waitForText(a.page, resolved);
    await waitForText(b.page, resolved);
    await waitForStatus(a.page, /Saved/);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.bob.token,
    });
    expect(stored.body.content).toBe(resolved);
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('(4) a REST client’s PUT shows up in the open browsers', async () => {
    const { doc, a, b } = await pair('From the API', 'Written in the browser.');
    const client = http(suite.server.url);
    const current = await client<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.alice.token });
    const etag = current.headers.get('etag') ?? '';
    const put = await client<ConcordDocument>(`/api/documents/${doc.id}`, {
      method: 'PUT',
      token: suite.bob.token,
      headers: { 'if-match': etag },
      body: { content: 'Rewritten by a script over REST.' },
    });
    expect(put.status).toBe(200);
    await waitForText(a.page, 'Rewritten by a script over REST.');
    await waitForText(b.page, 'Rewritten by a script over REST.');
    await waitForStatus(a.page, new RegExp(`Saved · version ${put.body.version}`));
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('history lists each version with its author, shows a diff, and restores an old version as a new one', async () => {
    const { a, b } = await pair('Drafts', 'Version one text.');
    // fill() replaces the whole text the way a test or an assistive tool would.
    await editorBox(a.page).fill('Version two text.');
    await waitForStatus(a.page, /Saved · version 2/);

    await a.page.getByRole('button', { name: 'History' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Version history' });
    const items = dialog.getByRole('list', { name: 'Versions' }).getByRole('listitem');
    await items.nth(1).waitFor();
    expect(await items.count()).toBe(2);
    await expect(items.first().textContent()).resolves.toMatch(/Version 2.*Alice/);
    await items.nth(1).getByRole('button').click();
    await dialog.getByRole('button', { name: 'Restore this version' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForText(a.page, 'Version one text.');
    await waitForText(b.page, 'Version one text.');
    await waitForStatus(a.page, /Saved · version 3/);
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('the owner shares a document as view-only from the Share dialog; the viewer follows live but cannot edit', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [], 'Shared with a reader', 'Read me.');
    const carol = await registerWithName(suite.server.url, `carol-${Date.now().toString(36)}`, 'Carol');
    const a = await suite.openWindow(suite.alice);
    const c = await suite.openWindow(carol);
    await openDocument(a, suite.server.url, doc.id);

    await a.page.getByRole('button', { name: 'Share' }).click();
    const share = a.page.getByRole('dialog', { name: 'Share' });
    await share.getByLabel('Username').fill(carol.user.username);
    await share.getByLabel('Role').selectOption('viewer');
    await share.getByRole('button', { name: 'Add member' }).click();
    await share.getByText(`${carol.user.username} can now read this document.`).waitFor();
    await share.getByRole('list', { name: 'Members' }).getByText('Carol').waitFor();
    await a.page.keyboard.press('Escape');
    await share.waitFor({ state: 'detached' });

    await c.page.goto(`${suite.server.url}/`);
    await c.page.getByRole('link', { name: 'Shared with a reader' }).click();
    await waitForStatus(c.page, /Saved/);
    await c.page.getByText('View only').waitFor();
    await expect(editorBox(c.page).getAttribute('contenteditable')).resolves.toBe('false');

    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+End');
    await a.page.keyboard.type(' Now with more.');
    await waitForText(c.page, 'Read me. Now with more.');
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(c)).toEqual([]);
  });

  it('edits made offline survive closing the tab: reopened, they are merged with what others wrote meanwhile', async () => {
    const { doc, a, b } = await pair('Kept locally', 'Intro.\n\nBody.');
    await a.context.setOffline(true);
    await waitForStatus(a.page, /Offline/);
    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+End');
    await a.page.keyboard.type(' Written on a train.');
    await waitForStatus(a.page, /Offline · your changes are kept/);
    // The draft is in localStorage as typed: the tab is closed without any chance to save.
    expect(
      await a.page.evaluate(() =>
        Object.keys(localStorage)
          .filter((key) => key.startsWith('concord:draft:'))
          .map((key) => localStorage.getItem(key) ?? ''),
      ),
    ).toEqual([expect.stringContaining('Written on a train.')]);
    await a.page.close();

    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+Home');
    await b.page.keyboard.type('Bob: ');
    await waitForStatus(b.page, /Saved · version 2/);

    await a.context.setOffline(false);
    const reopened = await a.context.newPage();
    a.page = reopened;
    await reopened.goto(`${suite.server.url}/d/${doc.id}`);
    const expected = 'Bob: Intro.\n\nBody. Written on a train.';
    await waitForText(reopened, expected);
    await waitForStatus(reopened, /Saved · version 3/);
    await waitForText(b.page, expected);
    expect(await reopened.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('concord:draft:')))).toEqual([]);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.alice.token });
    expect(stored.body.content).toBe(expected);
    expect(appErrors(b)).toEqual([]);
  });

  it('an edit someone makes while the merge dialog is open is merged into the saved resolution, not lost', async () => {
    const { doc, a, b } = await pair('Agenda', 'Topic: budget.\n\nNotes follow.');
    await a.context.setOffline(true);
    await waitForStatus(a.page, /Offline/);
    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+Home');
    await a.page.keyboard.press('End');
    await a.page.keyboard.press('Backspace');
    await a.page.keyboard.type(' for 2027.');
    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+Home');
    await b.page.keyboard.press('End');
    await b.page.keyboard.press('Backspace');
    await b.page.keyboard.type(' and hiring.');
    await waitForStatus(b.page, /Saved/);

    await a.context.setOffline(false);
    const dialog = a.page.getByRole('dialog', { name: 'Resolve conflicts' });
    await dialog.waitFor({ timeout: 20_000 });

    // Bob keeps writing elsewhere while Alice decides.
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' Bob was here.');
    await waitForStatus(b.page, /Saved/);
    await dialog.getByRole('note').filter({ hasText: /Bob changed the document again/ }).waitFor();

    await dialog.getByRole('button', { name: 'Keep mine' }).click();
    await dialog.getByRole('button', { name: 'Save merged version' }).click();
    const expected = 'Topic: budget for 2027.\n\nNotes follow. Bob was here.';
    await waitForText(a.page, expected);
    await waitForText(b.page, expected);
    await waitForStatus(a.page, /Saved/);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.alice.token });
    expect(stored.body.content).toBe(expected);
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('Overwrite with mine replaces the document with the offline text (If-Match: *), for both people', async () => {
    const { doc, a, b } = await pair('Overwrite', 'Status: draft.');
    await a.context.setOffline(true);
    await waitForStatus(a.page, /Offline/);
    await editorBox(a.page).fill('Status: final, approved by Alice.');
    await editorBox(b.page).fill('Status: on hold.');
    await waitForStatus(b.page, /Saved/);
    await a.context.setOffline(false);
    const dialog = a.page.getByRole('dialog', { name: 'Resolve conflicts' });
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Overwrite with mine' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForText(a.page, 'Status: final, approved by Alice.');
    await waitForText(b.page, 'Status: final, approved by Alice.');
    await waitForStatus(a.page, /Saved · version 3/);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.bob.token,
    });
    expect(stored.body.content).toBe('Status: final, approved by Alice.');
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });
});
