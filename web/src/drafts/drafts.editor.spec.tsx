import '@testing-library/jest-dom';
import { act, fireEvent, screen } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { makePatch, type ConcordDocument, type Draft, type Member } from '@concord/shared';
import { alice, bob, DOC_ID, FakeSocket, serverDoc } from '../editor/editor.fixtures';
import { openAsBob } from '../editor/editor-page.fixtures';
import { exactTime } from '../ui/relative-time.util';

// The page's recovery path, from the Drafts button to the socket: the dialog itself is pinned by
// drafts.dialog.spec.tsx.
let socket = new FakeSocket();
jest.mock('socket.io-client', () => ({ io: () => socket }));

const BASE = 'One.\nTwo.\nThree.\n';
const DRAFT: Draft = {
  id: '00000000-0000-4000-8000-000000000001',
  documentId: DOC_ID,
  baseVersion: 1,
  title: null,
  content: 'One, recovered.\nTwo.\nThree.\n',
  patch: null,
  createdAt: '2026-11-25T10:03:00.000Z',
};

let members: Member[] = [];
const api = {
  listMembers: jest.fn(() => Promise.resolve(members)),
  listDrafts: jest.fn(() => Promise.resolve([DRAFT])),
  getVersion: jest.fn((_id: string, version: number): Promise<ConcordDocument> =>
    Promise.resolve(serverDoc(version, BASE, bob)),
  ),
};
const auth = { token: 'token-bob', user: bob, api, expire: jest.fn() };
jest.mock('../auth/auth.context', () => ({ useAuth: () => auth }));

/** Lets answered promises and the renders they cause run. */
async function settle() {
  await act(async () => {
    for (let turn = 0; turn < 10; turn++) await Promise.resolve();
  });
}

/** What Bob's editor joins at: Alice added a line since the draft's version 1. */
const JOINED = { version: 2, content: `${BASE}Four.\n` };

const editorView = () => {
  const view = EditorView.findFromDOM(screen.getByRole('textbox', { name: 'Document content' }));
  if (!view) throw new Error('no editor view');
  return view;
};

describe('recovering a draft in the editor', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    localStorage.clear();
    socket = new FakeSocket();
    members = [
      { user: alice, role: 'owner' },
      { user: bob, role: 'editor' },
    ];
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('merges the draft into the text, unsent typing included, and saves it as an ordinary edit', async () => {
    await openAsBob(socket, JOINED);
    // Typed and not sent yet: the recovery must keep it.
    act(() =>
      editorView().dispatch({
        changes: { from: editorView().state.doc.length, insert: 'Five.\n' },
        userEvent: 'input.type',
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Drafts' }));
    await settle();
    fireEvent.click(await screen.findByRole('button', { name: 'Recover into the document' }));

    expect(editorView().state.doc.toString()).toBe('One, recovered.\nTwo.\nThree.\nFour.\nFive.\n');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(
      screen
        .getByText(`Recovered the draft from ${exactTime(DRAFT.createdAt)}.`)
        .closest('[aria-live="polite"]'),
    ).not.toBeNull();

    // The save path sends it, typing and recovery together, against the version the editor holds.
    act(() => jest.advanceTimersByTime(1000));
    const edits = socket.sent('edit');
    expect(edits).toHaveLength(1);
    expect(edits[0].payload).toMatchObject({
      baseVersion: 2,
      merge: true,
      patch: makePatch(`${BASE}Four.\n`, 'One, recovered.\nTwo.\nThree.\nFour.\nFive.\n'),
    });
  });

  it('lets a viewer only copy, saying why', async () => {
    members = [
      { user: alice, role: 'owner' },
      { user: bob, role: 'viewer' },
    ];
    await openAsBob(socket, JOINED);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Drafts' }));
    await settle();
    const recover = await screen.findByRole('button', { name: 'Recover into the document' });
    expect(recover).toBeDisabled();
    expect(recover).toHaveAccessibleDescription(expect.stringContaining('You can only read this document'));
    expect(screen.getByRole('button', { name: 'Copy text' })).toBeEnabled();
  });
});
