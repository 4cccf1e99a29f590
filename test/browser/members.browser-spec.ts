import type { Page } from 'playwright-core';
import type { AuthResponse, ConcordDocument, DocumentListItem, Member } from '@concord/shared';
import { http } from '../support';
import {
  appErrors,
  describeBrowser,
  editorBox,
  editorText,
  markPage,
  openDocument,
  pageMark,
  sharedDocument,
  statusRegion,
  useBrowserSuite,
  waitForStatus,
  waitForText,
} from './browser.helpers';

// Set here because a project config's testTimeout is not applied in a multi-project run.
jest.setTimeout(90_000);

/** The editor as CodeMirror marks it editable (true) or read-only (false). */
async function waitForEditable(page: Page, editable: boolean): Promise<void> {
  await page.locator(`[aria-label="Document content"][contenteditable="${editable}"]`).waitFor();
}

describeBrowser('managing members in the browser', () => {
  const suite = useBrowserSuite({ people: ['alice', 'bob'] });

  async function listedTitles(auth: AuthResponse): Promise<string[]> {
    const list = await http(suite.server.url)<{ items: DocumentListItem[] }>('/api/documents', {
      token: auth.token,
    });
    return list.body.items.map((item) => item.title);
  }

  async function membersOf(doc: ConcordDocument): Promise<Member[]> {
    const response = await http(suite.server.url)<Member[]>(`/api/documents/${doc.id}/members`, {
      token: suite.alice.token,
    });
    return response.body;
  }

  it('the owner makes an editor a viewer, an editor again, then removes them: the open editor follows each time without a reload', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Team notes', 'Agenda.');
    const a = await suite.openWindow(suite.alice);
    const b = await suite.openWindow(suite.bob);
    await openDocument(a, suite.server.url, doc.id);
    await openDocument(b, suite.server.url, doc.id);
    await waitForEditable(b.page, true);
    await markPage(b.page);
    await a.page.getByRole('list', { name: 'People editing' }).getByText('Bob').waitFor();

    await a.page.getByRole('button', { name: 'Share' }).click();
    const share = a.page.getByRole('dialog', { name: 'Share' });
    await share.getByRole('combobox', { name: 'Role of Bob' }).selectOption('viewer');
    await share.getByText('Bob can now only read this document.').waitFor();

    // Bob, without reloading: read-only, told so (and by whom), and still following along.
    await waitForEditable(b.page, false);
    await b.page
      .getByRole('alert')
      .filter({ hasText: 'Alice made you a viewer: you can now only read this document.' })
      .waitFor();
    await b.page.getByText('View only').waitFor();
    expect((await membersOf(doc)).find((member) => member.user.id === suite.bob.user.id)?.role).toBe(
      'viewer',
    );

    await share.getByRole('combobox', { name: 'Role of Bob' }).selectOption('editor');
    await share.getByText('Bob can now edit this document.').waitFor();
    await waitForEditable(b.page, true);
    await b.page.getByText('View only').waitFor({ state: 'detached' });
    expect(await b.page.getByRole('alert').count()).toBe(0);
    await b.page.getByText('Alice made you an editor: you can now edit this document.').waitFor();
    // An editor again: Bob's typing reaches Alice.
    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' Bob was here.');
    await waitForStatus(b.page, /Saved · version 2/);
    await waitForText(a.page, 'Agenda. Bob was here.');

    await share.getByRole('button', { name: 'Remove Bob' }).click();
    await share.getByText('Bob no longer has access to this document.').waitFor();
    await share.getByRole('list', { name: 'Members' }).getByText('Bob').waitFor({ state: 'detached' });

    const removed = b.page
      .getByRole('alert')
      .filter({ hasText: 'Alice removed your access to this document.' });
    await removed.waitFor();
    await waitForEditable(b.page, false);
    await statusRegion(b.page).filter({ hasText: 'No access' }).waitFor();
    expect(await pageMark(b.page)).toBe('not reloaded');
    // Alice no longer sees Bob among the people in the document.
    await a.page
      .getByRole('list', { name: 'People editing' })
      .getByText('Bob')
      .waitFor({ state: 'detached' });
    // What Alice writes now does not reach Bob.
    await a.page.keyboard.press('Escape');
    await share.waitFor({ state: 'detached' });
    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+End');
    await a.page.keyboard.type(' Private now.');
    await waitForStatus(a.page, /Saved · version 3/);
    expect(await editorText(b.page)).toBe('Agenda. Bob was here.');

    await removed.getByRole('link', { name: 'Back to your documents' }).click();
    await b.page.waitForURL(`${suite.server.url}/`);
    // The list has loaded (it may be empty, hence attached rather than visible).
    await b.page.locator('ul[aria-label="Documents"][aria-busy="false"]').waitFor({ state: 'attached' });
    expect(await b.page.getByRole('link', { name: 'Team notes' }).count()).toBe(0);
    expect(await listedTitles(suite.bob)).not.toContain('Team notes');
    expect(appErrors(a)).toEqual([]);
    expect(appErrors(b)).toEqual([]);
  });

  it('removed while offline: back online, the editor shows the removed state and keeps the typing that could not be sent', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Offline removal', 'Start.');
    const b = await suite.openWindow(suite.bob);
    await openDocument(b, suite.server.url, doc.id);

    await b.context.setOffline(true);
    await waitForStatus(b.page, /Offline/);
    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' Typed on the train.');
    const removal = await http(suite.server.url)(`/api/documents/${doc.id}/members/${suite.bob.user.id}`, {
      method: 'DELETE',
      token: suite.alice.token,
    });
    expect(removal.status).toBe(204);
    await b.context.setOffline(false);

    const alert = b.page
      .getByRole('alert')
      .filter({ hasText: 'This document is no longer available to you' });
    await alert.waitFor();
    await alert.getByText('Your last changes were not sent.').waitFor();
    await waitForEditable(b.page, false);
    expect(await editorText(b.page)).toBe('Start. Typed on the train.');
    expect(await b.page.getByText(/Retrying/).count()).toBe(0);
    // The typing is kept on the device (the local draft), not thrown away.
    const drafts = await b.page.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.startsWith('concord:draft:'))
        .map((key) => localStorage.getItem(key) ?? ''),
    );
    expect(drafts.some((draft) => draft.includes('Start. Typed on the train.'))).toBe(true);
    // And the server never got it.
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.alice.token,
    });
    expect(stored.body.content).toBe('Start.');
    expect(appErrors(b)).toEqual([]);
  });

  it('a member leaves a document from the Share dialog, after confirming, and lands on the document list', async () => {
    const kept = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Still shared', 'Stays.');
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Leaving this one', 'Bye.');
    const b = await suite.openWindow(suite.bob);
    await openDocument(b, suite.server.url, doc.id);

    await b.page.getByRole('button', { name: 'Share' }).click();
    const share = b.page.getByRole('dialog', { name: 'Share' });
    // Not the owner: no role choices, no Remove buttons, no add form.
    expect(await share.getByRole('combobox').count()).toBe(0);
    expect(await share.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await share.getByRole('button', { name: 'Leave document' }).click();
    const question = share.getByRole('group', { name: /Leave this document\?/ });
    await question.waitFor();
    // Cancel changes nothing.
    await question.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'detached' });
    expect((await membersOf(doc)).map((member) => member.user.id)).toContain(suite.bob.user.id);

    await share.getByRole('button', { name: 'Leave document' }).click();
    await share.getByRole('button', { name: 'Yes, leave' }).click();
    await b.page.waitForURL(`${suite.server.url}/`);
    await b.page.getByRole('link', { name: 'Still shared' }).waitFor();
    expect(await b.page.getByRole('link', { name: 'Leaving this one' }).count()).toBe(0);
    expect((await membersOf(doc)).map((member) => member.user.id)).not.toContain(suite.bob.user.id);
    expect((await membersOf(kept)).map((member) => member.user.id)).toContain(suite.bob.user.id);
    expect(await b.page.getByRole('alert').count()).toBe(0);
    expect(appErrors(b)).toEqual([]);
  });

  it('leaving in one tab: another tab of the same browser, open on the document, says so and stops', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Two tabs', 'Hello.');
    const b = await suite.openWindow(suite.bob);
    const other = await b.context.newPage();
    await openDocument(b, suite.server.url, doc.id);
    await other.goto(`${suite.server.url}/d/${doc.id}`);
    await waitForStatus(other, /Saved/);

    await b.page.getByRole('button', { name: 'Share' }).click();
    const share = b.page.getByRole('dialog', { name: 'Share' });
    await share.getByRole('button', { name: 'Leave document' }).click();
    await share.getByRole('button', { name: 'Yes, leave' }).click();
    await b.page.waitForURL(`${suite.server.url}/`);

    const left = other.getByRole('alert').filter({ hasText: 'You left this document.' });
    await left.waitFor();
    expect(await left.textContent()).not.toContain('removed');
    await waitForEditable(other, false);
    await statusRegion(other).filter({ hasText: 'No access' }).waitFor();
    expect(appErrors(b)).toEqual([]);
  });

  async function setRole(doc: ConcordDocument, role: 'editor' | 'viewer'): Promise<void> {
    const changed = await http(suite.server.url)(`/api/documents/${doc.id}/members/${suite.bob.user.id}`, {
      method: 'PATCH',
      token: suite.alice.token,
      body: { role },
    });
    expect(changed.status).toBe(200);
  }

  it('a role changed while offline is picked up on reconnecting, without a reload', async () => {
    const doc = await sharedDocument(suite.server.url, suite.alice, [suite.bob], 'Offline roles', 'Start.');
    const b = await suite.openWindow(suite.bob);
    await openDocument(b, suite.server.url, doc.id);
    await markPage(b.page);

    // Made a viewer while offline: no event reaches the tab; back online, it is read-only.
    await b.context.setOffline(true);
    await waitForStatus(b.page, /Offline/);
    await setRole(doc, 'viewer');
    await b.context.setOffline(false);
    await waitForEditable(b.page, false);
    await b.page.getByRole('alert').filter({ hasText: 'You can now only read this document.' }).waitFor();
    await b.page.getByText('View only').waitFor();

    // Made an editor again while offline: back online, editable, and the typing reaches the server.
    await b.context.setOffline(true);
    await waitForStatus(b.page, /Offline/);
    await setRole(doc, 'editor');
    await b.context.setOffline(false);
    await waitForEditable(b.page, true);
    await b.page.getByText('View only').waitFor({ state: 'detached' });
    expect(await b.page.getByRole('alert').count()).toBe(0);
    await editorBox(b.page).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' Back to work.');
    await waitForStatus(b.page, /Saved · version 2/);
    const stored = await http(suite.server.url)<ConcordDocument>(`/api/documents/${doc.id}`, {
      token: suite.alice.token,
    });
    expect(stored.body.content).toBe('Start. Back to work.');
    expect(await pageMark(b.page)).toBe('not reloaded');
    expect(appErrors(b)).toEqual([]);
  });
});
