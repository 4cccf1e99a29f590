import type { ConcordDocument } from '@concord/shared';
import { http } from '../support';
import {
  appErrors,
  describeBrowser,
  openDocument,
  sharedDocument,
  useBrowserSuite,
  waitForStatus,
  waitForText,
} from './browser.helpers';

// Set here because a project config's testTimeout is not applied in a multi-project run.
jest.setTimeout(90_000);

/** A history longer than two of the dialog's pages (100 each), so the third one is short. */
const VERSIONS = 250;

const textOf = (version: number) => `Text of version ${version}.`;

describeBrowser('paging through a long version history in the browser', () => {
  const suite = useBrowserSuite({ people: ['alice'] });

  /** A document with `count` versions, each written over REST against the ETag the last one returned. */
  async function documentWithVersions(count: number): Promise<ConcordDocument> {
    const client = http(suite.server.url);
    const doc = await sharedDocument(suite.server.url, suite.alice, [], 'A long history', textOf(1));
    let etag = doc.etag;
    for (let version = 2; version <= count; version += 1) {
      const put = await client<ConcordDocument>(`/api/documents/${doc.id}`, {
        method: 'PUT',
        token: suite.alice.token,
        headers: { 'if-match': etag },
        body: { content: textOf(version) },
      });
      if (put.status !== 200) throw new Error(`PUT version ${version}: ${put.status} ${put.text}`);
      expect(put.body.version).toBe(version);
      etag = put.headers.get('etag') ?? put.body.etag;
    }
    return doc;
  }

  it('shows the newest 100 versions, loads older ones on asking until the end, and restores one of the oldest', async () => {
    const doc = await documentWithVersions(VERSIONS);
    const a = await suite.openWindow(suite.alice);
    await openDocument(a, suite.server.url, doc.id);
    await waitForText(a.page, textOf(VERSIONS));

    await a.page.getByRole('button', { name: 'History' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Version history' });
    const items = dialog.getByRole('list', { name: 'Versions' }).getByRole('listitem');
    const loadOlder = dialog.getByRole('button', { name: 'Load older versions' });
    await items.nth(99).waitFor();
    await loadOlder.waitFor();
    expect(await items.count()).toBe(100);
    await expect(items.first().textContent()).resolves.toMatch(
      new RegExp(`^Version ${VERSIONS}(?!\\d).*Alice`),
    );
    await expect(items.nth(99).textContent()).resolves.toMatch(/^Version 151(?!\d)/);

    await loadOlder.click();
    await items.nth(199).waitFor();
    expect(await items.count()).toBe(200);
    await expect(items.nth(100).textContent()).resolves.toMatch(/^Version 150(?!\d)/);
    // Focus goes on from the button to the first version the page brought.
    await expect(
      items
        .nth(100)
        .getByRole('button')
        .evaluate((button) => button === document.activeElement),
    ).resolves.toBe(true);

    await loadOlder.click();
    await items.nth(VERSIONS - 1).waitFor();
    // The third page was short: the history is exhausted and the button is gone.
    await loadOlder.waitFor({ state: 'detached' });
    expect(await items.count()).toBe(VERSIONS);
    await expect(items.last().textContent()).resolves.toMatch(/^Version 1(?!\d)/);

    const old = items.nth(VERSIONS - 7);
    await expect(old.textContent()).resolves.toMatch(/^Version 7(?!\d)/);
    await old.getByRole('button').click();
    await dialog
      .getByRole('region', { name: 'Selected version' })
      .getByRole('heading', { name: /^Version 7 by Alice/ })
      .waitFor();
    await dialog.getByRole('button', { name: 'Restore this version' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitForText(a.page, textOf(7));
    await waitForStatus(a.page, new RegExp(`Saved · version ${VERSIONS + 1}\\b`));
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.alice.token,
    });
    expect(stored.body).toMatchObject({ version: VERSIONS + 1, content: textOf(7) });
    expect(appErrors(a)).toEqual([]);
  });
});
