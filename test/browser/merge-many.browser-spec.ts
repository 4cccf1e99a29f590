import type { Locator, Page } from 'playwright-core';
import type { ConcordDocument } from '@concord/shared';
import { http } from '../support';
import {
  appErrors,
  describeBrowser,
  editorBox,
  openDocument,
  sharedDocument,
  useBrowserSuite,
  waitForStatus,
  waitForText,
} from './browser.helpers';

// Set here because a project config's testTimeout is not applied in a multi-project run.
jest.setTimeout(120_000);

const CONFLICTS = 60;

/** N paragraphs, each a line both sides change differently and a line neither touches. */
function paragraphs(word: string): string {
  return Array.from({ length: CONFLICTS }, (_, i) => `Paragraph ${i} is ${word} today.\nkeep ${i}\n`).join(
    '',
  );
}

function group(dialog: Locator, index: number): Locator {
  return dialog.getByRole('group', { name: `Resolve conflict ${index + 1}`, exact: true });
}

/** The accessible name of the focused element and the name of the conflict group it is in. */
function focused(page: Page): Promise<{ text: string; group: string | null }> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return {
      text: active?.textContent ?? '',
      group: active?.closest('[role="group"]')?.getAttribute('aria-label') ?? null,
    };
  });
}

describeBrowser('resolving many conflicts in the browser', () => {
  const suite = useBrowserSuite({ people: ['alice', 'bob'] });

  it('opens with the first cards drawn, moves between all conflicts, and resolves them with an undo', async () => {
    const doc = await sharedDocument(
      suite.server.url,
      suite.alice,
      [suite.bob],
      'Sixty conflicts',
      paragraphs('plain'),
    );
    const a = await suite.openWindow(suite.alice);
    await openDocument(a, suite.server.url, doc.id);

    // Alice rewrites every paragraph offline; Bob saves other words in the same places.
    await a.context.setOffline(true);
    await waitForStatus(a.page, /Offline/);
    await editorBox(a.page).click();
    await a.page.keyboard.press('Control+a');
    await a.page.keyboard.insertText(paragraphs('mine'));
    const client = http(suite.server.url);
    const current = await client<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.bob.token });
    const put = await client<ConcordDocument>(`/api/documents/${doc.id}`, {
      method: 'PUT',
      token: suite.bob.token,
      headers: { 'if-match': current.headers.get('etag') ?? '' },
      body: { content: paragraphs('theirs') },
    });
    expect(put.status).toBe(200);

    await a.context.setOffline(false);
    const dialog = a.page.getByRole('dialog', { name: 'Resolve conflicts' });
    await dialog.waitFor({ timeout: 30_000 });
    const navigation = dialog.getByRole('navigation', { name: 'Move between conflicts' });
    await expect(navigation.textContent()).resolves.toContain(`Conflict 1 of ${CONFLICTS}`);
    await expect(dialog.getByText(`${CONFLICTS} conflicts left`, { exact: false }).count()).resolves.toBe(1);
    // Every conflict is a list item; only those near the viewport are drawn as cards.
    const list = dialog.getByRole('list', { name: 'Conflicts' });
    await expect(list.locator(':scope > li').count()).resolves.toBe(CONFLICTS);
    const placeholders = await list.locator(':scope > li[data-placeholder]').count();
    expect(placeholders).toBeGreaterThan(0);
    expect(await focused(a.page)).toEqual({ text: 'Keep mine', group: 'Resolve conflict 1' });
    const original = await dialog.getByLabel('Merged result').inputValue();

    // Keep mine on conflict 1, then undo it: the markers come back and focus returns to it.
    await dialog.getByRole('button', { name: 'Keep mine' }).first().click();
    await group(dialog, 0).getByText('Resolved · kept mine').waitFor();
    expect(await focused(a.page)).toEqual({ text: 'Keep mine', group: 'Resolve conflict 2' });
    await group(dialog, 0).getByRole('button', { name: 'Undo' }).click();
    expect(await dialog.getByLabel('Merged result').inputValue()).toBe(original);
    expect(await focused(a.page)).toEqual({ text: 'Keep mine', group: 'Resolve conflict 1' });

    // Next conflict and Alt+ArrowDown move along, drawing the conflicts they reach.
    await navigation.getByRole('button', { name: 'Next conflict' }).click();
    expect(await focused(a.page)).toEqual({ text: 'Keep mine', group: 'Resolve conflict 2' });
    for (let i = 0; i < 20; i += 1) await a.page.keyboard.press('Alt+ArrowDown');
    expect(await focused(a.page)).toEqual({ text: 'Keep mine', group: 'Resolve conflict 22' });
    await expect(navigation.textContent()).resolves.toContain(`Conflict 22 of ${CONFLICTS}`);
    // Scrolling to the end of the list draws the last conflicts.
    await list.locator(`:scope > li[data-index="${CONFLICTS - 1}"]`).scrollIntoViewIfNeeded();
    await group(dialog, CONFLICTS - 1)
      .getByRole('button', { name: 'Keep mine' })
      .waitFor();

    // Resolve them all in order through the first open "Keep mine" / "Take theirs": conflict 1
    // differently from before the undo.
    const expected: string[] = [];
    for (let i = 0; i < CONFLICTS; i += 1) {
      const theirs = i % 2 === 0;
      await dialog
        .getByRole('button', { name: theirs ? 'Take theirs' : 'Keep mine' })
        .first()
        .click();
      await group(dialog, i)
        .getByText(theirs ? 'Resolved · took theirs' : 'Resolved · kept mine')
        .waitFor();
      expected.push(`Paragraph ${i} is ${theirs ? 'theirs' : 'mine'} today.\nkeep ${i}\n`);
    }
    await dialog.getByText('All conflicts resolved.').waitFor();
    expect(await focused(a.page)).toEqual({ text: 'Save merged version', group: null });

    // Change conflict 41 after all: Undo, and Keep both instead.
    await group(dialog, 40).getByRole('button', { name: 'Undo' }).click();
    await dialog.getByText('1 conflict left', { exact: false }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Save merged version' }).isDisabled()).toBe(true);
    await group(dialog, 40).getByRole('button', { name: 'Keep both' }).click();
    expected[40] = 'Paragraph 40 is mine today.\nParagraph 40 is theirs today.\nkeep 40\n';
    const resolved = expected.join('');
    expect(await dialog.getByLabel('Merged result').inputValue()).toBe(resolved);

    await dialog.getByRole('button', { name: 'Save merged version' }).click();
    await dialog.waitFor({ state: 'detached' });
    // CodeMirror draws only the lines in view: those must be the resolution's (the stored text is
    // compared whole below).
    const resolvedLines = new Set(resolved.split('\n'));
    await waitForText(a.page, (text) => {
      const shown = text.split('\n').filter((line) => line.startsWith('Paragraph'));
      return shown.length > 0 && shown.every((line) => resolvedLines.has(line));
    });
    await waitForStatus(a.page, /Saved/);
    const stored = await client<ConcordDocument>(`/api/documents/${doc.id}`, { token: suite.bob.token });
    expect(stored.body.content).toBe(resolved);
    expect(appErrors(a)).toEqual([]);
  });
});
