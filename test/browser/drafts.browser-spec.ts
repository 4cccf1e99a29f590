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

const BASE = 'The opening line.\nThe middle line.\nThe closing line.\n';
/** Saved first, over REST: the closing line changed. */
const SAVED = BASE.replace('closing', 'final');
/** Alice's stale save: the opening line, which nobody else touched. */
const DISJOINT = BASE.replace('opening', 'first');
/** Another stale save: the closing line, changed differently by the save above. */
const OVERLAPPING = BASE.replace('closing', 'concluding');

describeBrowser('recovering a rejected save in the browser', () => {
  const suite = useBrowserSuite({ people: ['alice'] });

  async function put(id: string, etag: string, content: string) {
    return http(suite.server.url)<ConcordDocument>(`/api/documents/${id}`, {
      method: 'PUT',
      token: suite.alice.token,
      headers: { 'if-match': etag },
      body: { content },
    });
  }

  it('lists the drafts of stale saves, recovers a disjoint one into the editor and refuses an overlapping one', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [], 'Rejected saves', BASE);
    expect((await put(doc.id, doc.etag, SAVED)).status).toBe(200);
    // Two saves made against version 1 are refused: each is kept as a draft.
    expect((await put(doc.id, doc.etag, DISJOINT)).status).toBe(409);
    expect((await put(doc.id, doc.etag, OVERLAPPING)).status).toBe(409);

    const a = await suite.openWindow(suite.alice);
    await openDocument(a, suite.server.url, doc.id);
    await waitForText(a.page, SAVED);
    await waitForStatus(a.page, /Saved · version 2\b/);

    await a.page.getByRole('button', { name: 'Drafts' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Your rejected saves of this document' });
    const drafts = dialog.getByRole('list', { name: 'Drafts' }).getByRole('listitem');
    await drafts.nth(1).waitFor();
    expect(await drafts.count()).toBe(2);
    // Newest first.
    await expect(drafts.nth(0).getByLabel('Text of this draft').textContent()).resolves.toBe(OVERLAPPING);
    await expect(drafts.nth(1).getByLabel('Text of this draft').textContent()).resolves.toBe(DISJOINT);
    await drafts
      .nth(1)
      .getByText(/· based on version 1$/)
      .waitFor();

    await drafts.nth(1).getByRole('button', { name: 'Recover into the document' }).click();
    await dialog.waitFor({ state: 'detached' });
    await a.page.getByText(/^Recovered the draft from /).waitFor();
    const merged = 'The first line.\nThe middle line.\nThe final line.\n';
    await waitForText(a.page, merged);
    await waitForStatus(a.page, /Saved · version 3\b/);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.alice.token,
    });
    expect(stored.body).toMatchObject({ version: 3, content: merged });

    await a.page.getByRole('button', { name: 'Drafts' }).click();
    const overlapping = drafts.nth(0);
    await overlapping.getByRole('button', { name: 'Recover into the document' }).click();
    await overlapping
      .getByRole('alert')
      .filter({ hasText: 'overlaps changes made to the document since' })
      .waitFor();
    expect(await overlapping.getByRole('button', { name: 'Recover into the document' }).count()).toBe(0);
    expect(await overlapping.getByRole('button', { name: 'Copy text' }).isVisible()).toBe(true);
    // The document was not touched.
    expect(await dialog.isVisible()).toBe(true);
    await waitForText(a.page, merged);
    await waitForStatus(a.page, /Saved · version 3\b/);
    expect(appErrors(a)).toEqual([]);
  });
});
