import '@testing-library/jest-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ConcordApiError, makePatch, type ConcordDocument, type Draft } from '@concord/shared';
import { DOC_ID, serverDoc } from '../editor/editor.fixtures';
import { exactTime } from '../ui/relative-time.util';
import { DRAFTS_PAGE_SIZE, DraftsDialog } from './drafts.dialog';

const BASE = 'The first line.\nThe second line.\nThe third line.\n';

/** Draft number `n`: a distinct uuid, `n` minutes after 10:00, a REST PUT's body unless told otherwise. */
function draft(n: number, fields: Partial<Draft> = {}): Draft {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    documentId: DOC_ID,
    baseVersion: 3,
    title: null,
    content: `Draft ${n}`,
    patch: null,
    createdAt: new Date(Date.UTC(2026, 10, 25, 10, n)).toISOString(),
    ...fields,
  };
}

const api = {
  listDrafts: jest.fn<Promise<Draft[]>, [string, { limit?: number; before?: string }?]>(),
  getVersion: jest.fn<Promise<ConcordDocument>, [string, number]>(),
};
jest.mock('../auth/auth.context', () => ({ useAuth: () => ({ api }) }));

/** The server's pages over `drafts` (newest first): `limit` after the draft `before`. */
function serveDrafts(drafts: Draft[]) {
  api.listDrafts.mockImplementation((_id, page = {}) => {
    const start = page.before === undefined ? 0 : drafts.findIndex((item) => item.id === page.before) + 1;
    return Promise.resolve(drafts.slice(start, start + (page.limit ?? drafts.length)));
  });
}

function serveVersions(texts: Record<number, string>) {
  api.getVersion.mockImplementation((_id, version) =>
    version in texts
      ? Promise.resolve(serverDoc(version, texts[version]))
      : Promise.reject(notFound('No such version.')),
  );
}

/** A 404 as the SDK throws it. */
function notFound(detail: string) {
  return new ConcordApiError(404, {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    code: 'not_found',
    detail,
    instance: '/',
  });
}

const onRecover = jest.fn<boolean, [string, Draft]>();

function renderDialog(options: { current?: string; recoverBlocked?: string | null } = {}) {
  const onClose = jest.fn();
  render(
    <DraftsDialog
      documentId={DOC_ID}
      currentText={() => options.current ?? BASE}
      recoverBlocked={options.recoverBlocked ?? null}
      onRecover={onRecover}
      onClose={onClose}
    />,
  );
  return { onClose };
}

const list = () => screen.getByRole('list', { name: 'Drafts' });
const items = () => within(list()).getAllByRole('listitem');
const loadOlder = () => screen.queryByRole('button', { name: 'Load older drafts' });

describe('DraftsDialog', () => {
  beforeEach(() => {
    api.listDrafts.mockReset();
    api.getVersion.mockReset();
    onRecover.mockReset().mockReturnValue(true);
    serveVersions({ 3: BASE });
  });

  it('lists the drafts newest first: when, the version they were based on, the title and the text', async () => {
    serveDrafts([
      draft(3, { content: null, patch: makePatch(BASE, BASE.replace('second', 'middle')) }),
      draft(2, { title: 'A new title', baseVersion: null }),
      draft(1),
    ]);
    renderDialog();
    expect(screen.getByRole('dialog', { name: 'Your rejected saves of this document' })).toBeInTheDocument();
    await screen.findByText('Draft 1');
    expect(api.listDrafts).toHaveBeenCalledWith(DOC_ID, { limit: DRAFTS_PAGE_SIZE });
    const [patchDraft, titled, plain] = items();
    expect(within(patchDraft).getByText(/based on version 3/)).toBeInTheDocument();
    // The socket edit's patch is shown applied to its base version.
    expect(await within(patchDraft).findByLabelText('Text of this draft')).toHaveTextContent(
      /The middle line\./,
    );
    expect(within(titled).getByText(/based on an unknown version/)).toBeInTheDocument();
    expect(within(titled).getByText('Title: A new title')).toBeInTheDocument();
    expect(within(plain).getByLabelText('Text of this draft')).toHaveTextContent('Draft 1');
    const time = plain.querySelector('time');
    expect(time).toHaveAttribute('title', exactTime(draft(1).createdAt));
    // Three drafts on version 3: it is read once.
    expect(api.getVersion).toHaveBeenCalledTimes(1);
    expect(api.getVersion).toHaveBeenCalledWith(DOC_ID, 3);
  });

  it('says when none are kept', async () => {
    serveDrafts([]);
    renderDialog();
    expect(await screen.findByText('No rejected saves are kept for you here.')).toBeInTheDocument();
    expect(loadOlder()).not.toBeInTheDocument();
  });

  it('pages 20 at a time, asking for the drafts older than the last shown, until none remain', async () => {
    const all = Array.from({ length: 45 }, (_, index) => draft(45 - index));
    serveDrafts(all);
    renderDialog();
    await screen.findByText('Draft 26');
    expect(items()).toHaveLength(20);
    await userEvent.click(loadOlder()!);
    await screen.findByText('Draft 6');
    expect(api.listDrafts).toHaveBeenLastCalledWith(DOC_ID, { limit: 20, before: all[19].id });
    expect(items()).toHaveLength(40);
    // Focus goes on to the first draft the page brought.
    expect(items()[20]).toHaveFocus();
    await userEvent.click(loadOlder()!);
    await screen.findByText('Draft 1');
    expect(api.listDrafts).toHaveBeenLastCalledWith(DOC_ID, { limit: 20, before: all[39].id });
    expect(items().map((item) => within(item).getByLabelText('Text of this draft').textContent)).toEqual(
      all.map((item) => item.content),
    );
    expect(loadOlder()).not.toBeInTheDocument();
  });

  it('shows a failed list as an alert with Retry, and a lost access as such', async () => {
    api.listDrafts.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    serveDrafts([draft(1)]);
    renderDialog();
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the server');
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByText('Draft 1');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says the document is no longer available when the list answers 404', async () => {
    api.listDrafts.mockRejectedValue(notFound('Document not found.'));
    renderDialog();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This document is no longer available to you.',
    );
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('recovers a draft by merging it into the current text, unsent typing included', async () => {
    serveDrafts([draft(1, { content: BASE.replace('first', 'opening') })]);
    renderDialog({ current: `${BASE.replace('third', 'last')}Typed just now.\n` });
    await userEvent.click(await screen.findByRole('button', { name: 'Recover into the document' }));
    expect(onRecover).toHaveBeenCalledWith(
      'The opening line.\nThe second line.\nThe last line.\nTyped just now.\n',
      draft(1, { content: BASE.replace('first', 'opening') }),
    );
  });

  it('leaves the document alone when the draft overlaps changes made since, offering its text only', async () => {
    serveDrafts([draft(1, { content: BASE.replace('second', 'middle') })]);
    renderDialog({ current: BASE.replace('second', 'centre') });
    await userEvent.click(await screen.findByRole('button', { name: 'Recover into the document' }));
    expect(onRecover).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent(/overlaps changes made to the document since/);
    expect(screen.queryByRole('button', { name: 'Recover into the document' })).not.toBeInTheDocument();
    // The button that was pressed is gone: focus moves to what is left to do.
    expect(screen.getByRole('button', { name: 'Copy text' })).toHaveFocus();
  });

  it('says so when the document already contains the draft', async () => {
    serveDrafts([draft(1, { content: BASE.replace('second', 'middle') })]);
    renderDialog({ current: `${BASE.replace('second', 'middle')}More.\n` });
    await userEvent.click(await screen.findByRole('button', { name: 'Recover into the document' }));
    expect(onRecover).not.toHaveBeenCalled();
    expect(screen.getByRole('status')).toHaveTextContent('already contains everything this draft changed');
  });

  it('offers nothing from a patch that does not apply or whose base is gone', async () => {
    const patch = makePatch('Another text altogether.', 'Another text, changed.');
    serveDrafts([draft(2, { content: null, patch }), draft(1, { content: null, patch, baseVersion: 9 })]);
    renderDialog();
    await screen.findByText('based on version 9', { exact: false });
    const [stale, gone] = items();
    expect(await within(stale).findByText(/no longer apply/)).toBeInTheDocument();
    expect(await within(gone).findByText(/no longer available/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Recover|Copy/ })).not.toBeInTheDocument();
  });

  it('offers only copying for a body whose base is unknown', async () => {
    serveDrafts([draft(1, { baseVersion: null })]);
    renderDialog();
    await screen.findByText(/cannot be merged into the document/);
    expect(screen.queryByRole('button', { name: 'Recover into the document' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy text' })).toBeEnabled();
  });

  it('retries a base version that could not be read', async () => {
    api.getVersion.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    serveDrafts([draft(1, { content: null, patch: makePatch(BASE, `${BASE}Added.\n`) })]);
    renderDialog();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not read version 3');
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByLabelText('Text of this draft')).toHaveTextContent('Added.');
  });

  it('explains why a viewer cannot recover, and still lets them copy', async () => {
    serveDrafts([draft(1)]);
    renderDialog({ recoverBlocked: 'You can only read this document.' });
    const recover = await screen.findByRole('button', { name: 'Recover into the document' });
    await waitFor(() => expect(recover).toBeDisabled());
    expect(recover).toHaveAccessibleDescription(expect.stringContaining('You can only read this document.'));
    expect(screen.getByRole('button', { name: 'Copy text' })).toBeEnabled();
  });

  it('copies the text, and reports a refused clipboard', async () => {
    serveDrafts([draft(1)]);
    const user = userEvent.setup();
    renderDialog();
    const writeText = jest.spyOn(navigator.clipboard, 'writeText');
    await user.click(await screen.findByRole('button', { name: 'Copy text' }));
    expect(writeText).toHaveBeenCalledWith('Draft 1');
    expect(await screen.findByRole('status')).toHaveTextContent('Copied');
    writeText.mockRejectedValueOnce(new DOMException('Write permission denied.', 'NotAllowedError'));
    await user.click(screen.getByRole('button', { name: 'Copy text' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not copy the text (Write permission denied.)',
    );
  });
});
