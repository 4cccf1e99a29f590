import '@testing-library/jest-dom';
import { act, screen, within } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import type { Member } from '@concord/shared';
import { alice, bob, DOC_ID, FakeSocket, serverDoc } from './editor.fixtures';
import { openAsBob } from './editor-page.fixtures';

// The page opens its socket through socket.io-client's io(): here it gets the test's fake.
let socket = new FakeSocket();
jest.mock('socket.io-client', () => ({ io: () => socket }));

const members: Member[] = [
  { user: alice, role: 'owner' },
  { user: bob, role: 'editor' },
];
const api = { listMembers: jest.fn<Promise<Member[]>, [string]>() };
const auth = { token: 'token-bob', user: bob, api, expire: jest.fn() };
jest.mock('../auth/auth.context', () => ({ useAuth: () => auth }));

const editor = () => screen.getByRole('textbox', { name: 'Document content' });

/** Types as CodeMirror would on a keystroke: a user transaction at the end of the text. */
function typeAtEnd(text: string) {
  const view = EditorView.findFromDOM(editor());
  if (!view) throw new Error('no editor view');
  act(() =>
    view.dispatch({ changes: { from: view.state.doc.length, insert: text }, userEvent: 'input.type' }),
  );
}

/** The socket connects again and the server answers its join (the `index`th) at `version`. */
function reconnectAndJoin(index: number, version = 1) {
  act(() => {
    socket.connected = true;
    socket.fire('connect');
    socket
      .sent('join')
      [index].reply({ ok: true, document: serverDoc(version, 'Shared text', alice), presence: [alice, bob] });
  });
}

/** Lets answered promises (the member list) and the renders they cause run. */
async function settle() {
  await act(async () => {
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  });
}

/** The server speaks on the socket. */
function serverSays(event: string, payload: unknown) {
  act(() => socket.fire(event, payload));
}

// jsdom lays nothing out; CodeMirror measures text ranges after typing all the same.
const noRects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
Range.prototype.getClientRects ??= noRects;
Range.prototype.getBoundingClientRect ??= () => new DOMRect();

describe('EditorPage when the owner changes what this user may do', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    localStorage.clear();
    socket = new FakeSocket();
    api.listMembers.mockReset();
    api.listMembers.mockResolvedValue(members);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('removed: the editor turns read-only, an alert names who did it and leads back to the list; the tools close', async () => {
    await openAsBob(socket);
    expect(editor()).toHaveAttribute('contenteditable', 'true');
    serverSays('access', { documentId: DOC_ID, role: null, by: alice });

    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Alice removed your access to this document.');
    expect(alert).not.toHaveTextContent('not sent');
    expect(within(alert).getByRole('link', { name: 'Back to your documents' })).toHaveAttribute('href', '/');
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(editor()).toHaveTextContent('Shared text');
    expect(screen.getByRole('status')).toHaveTextContent('No access');
    expect(screen.getByRole('button', { name: 'Share' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'History' })).toBeDisabled();
    expect(
      within(screen.getByRole('list', { name: 'People editing' })).queryAllByRole('listitem'),
    ).toHaveLength(0);
  });

  it('removed with typing not yet sent: the alert says it is kept here, and it stays in the editor and the draft', async () => {
    await openAsBob(socket, { content: 'Shared text' });
    typeAtEnd(' and mine');
    serverSays('access', { documentId: DOC_ID, role: null, by: alice });
    act(() => jest.advanceTimersByTime(5000));

    expect(socket.sent('edit')).toHaveLength(0);
    expect(screen.getByRole('alert')).toHaveTextContent('Your last changes were not sent.');
    expect(screen.getByRole('alert')).toHaveTextContent('kept on this device');
    expect(screen.getByRole('status')).toHaveTextContent('No access · your last changes were not sent');
    expect(editor()).toHaveTextContent('Shared text and mine');
    const drafts = Object.keys(localStorage).filter((key) =>
      key.startsWith(`concord:draft:${bob.id}:${DOC_ID}`),
    );
    expect(drafts).toHaveLength(1);
    expect(JSON.parse(localStorage.getItem(drafts[0]) ?? '{}')).toMatchObject({
      text: 'Shared text and mine',
    });
  });

  it('left from another tab: the alert says so rather than blaming the owner', async () => {
    await openAsBob(socket);
    serverSays('access', { documentId: DOC_ID, role: null, by: bob });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('You left this document.');
    expect(alert).not.toHaveTextContent('removed');
    expect(within(alert).getByRole('link', { name: 'Back to your documents' })).toBeInTheDocument();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(screen.getByRole('status')).toHaveTextContent('No access');
  });

  it('made a viewer: read-only with a notice naming who did it, without a reload; made an editor again: editable again, and told so politely', async () => {
    await openAsBob(socket);
    api.listMembers.mockResolvedValue([members[0], { user: bob, role: 'viewer' }]);
    serverSays('access', { documentId: DOC_ID, role: 'viewer', by: alice });
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Alice made you a viewer: you can now only read this document.',
    );
    expect(screen.getByText('View only')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Saved');
    // The member list (the Share dialog's) is fetched again.
    expect(api.listMembers).toHaveBeenCalledTimes(2);

    api.listMembers.mockResolvedValue(members);
    serverSays('access', { documentId: DOC_ID, role: 'editor', by: alice });
    await act(async () => {
      await Promise.resolve();
    });
    expect(editor()).toHaveAttribute('contenteditable', 'true');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText('View only')).toBeNull();
    const news = screen.getByText('Alice made you an editor: you can now edit this document.');
    expect(news.closest('[aria-live="polite"]')).not.toBeNull();
  });

  it('made an editor again while offline: the re-join reloads the member list, and the editor turns editable without a reload', async () => {
    await openAsBob(socket);
    api.listMembers.mockResolvedValue([members[0], { user: bob, role: 'viewer' }]);
    serverSays('access', { documentId: DOC_ID, role: 'viewer', by: alice });
    await settle();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    const fetched = api.listMembers.mock.calls.length;

    // Offline, Alice makes Bob an editor again: no event reaches him, and the join ack has no role.
    act(() => socket.fire('disconnect', 'transport close'));
    api.listMembers.mockResolvedValue(members);
    reconnectAndJoin(1);
    await settle();

    expect(api.listMembers).toHaveBeenCalledTimes(fetched + 1);
    expect(editor()).toHaveAttribute('contenteditable', 'true');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText('View only')).toBeNull();
    // And what he types now is sent.
    typeAtEnd(' editing again');
    act(() => jest.advanceTimersByTime(300));
    expect(socket.sent('edit')).toHaveLength(1);
  });

  it('made a viewer while offline: the re-join reloads the member list, and the editor turns read-only with the notice', async () => {
    await openAsBob(socket);
    expect(api.listMembers).toHaveBeenCalledTimes(1);
    act(() => socket.fire('disconnect', 'transport close'));
    api.listMembers.mockResolvedValue([members[0], { user: bob, role: 'viewer' }]);
    reconnectAndJoin(1);
    await settle();

    expect(api.listMembers).toHaveBeenCalledTimes(2);
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    // Nobody is named: the list does not say who changed the role.
    expect(screen.getByRole('alert')).toHaveTextContent(/^You can now only read this document\.$/);
    expect(screen.getByText('View only')).toBeInTheDocument();
  });

  it('a re-join with the role unchanged changes nothing (and a viewer from the start gets no notice)', async () => {
    api.listMembers.mockResolvedValue([members[0], { user: bob, role: 'viewer' }]);
    await openAsBob(socket);
    await settle();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    act(() => socket.fire('disconnect', 'transport close'));
    reconnectAndJoin(1);
    await settle();
    expect(api.listMembers).toHaveBeenCalledTimes(2);
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('View only')).toBeInTheDocument();
  });

  it('a member list asked for before an access event does not override it', async () => {
    await openAsBob(socket);
    let answer: (list: Member[]) => void = () => undefined;
    api.listMembers.mockImplementationOnce(() => new Promise<Member[]>((resolve) => (answer = resolve)));
    act(() => socket.fire('disconnect', 'transport close'));
    reconnectAndJoin(1);
    // The list (still saying editor) is on its way when the owner makes Bob a viewer.
    api.listMembers.mockResolvedValue([members[0], { user: bob, role: 'viewer' }]);
    serverSays('access', { documentId: DOC_ID, role: 'viewer', by: alice });
    await act(async () => {
      answer(members);
      await Promise.resolve();
    });
    await settle();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(screen.getByRole('alert')).toHaveTextContent('Alice made you a viewer');
  });

  it('a re-join answered 404 (removed while offline) shows the same removed state, not an error being retried', async () => {
    await openAsBob(socket);
    act(() => socket.fire('disconnect'));
    typeAtEnd(' typed offline');
    act(() => {
      socket.connected = true;
      socket.fire('connect');
      socket
        .sent('join')[1]
        .reply({ ok: false, error: { status: 404, code: 'not_found', detail: 'Nothing here.' } });
    });

    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('This document is no longer available to you');
    expect(alert).toHaveTextContent('Your last changes were not sent.');
    expect(within(alert).getByRole('link', { name: 'Back to your documents' })).toBeInTheDocument();
    expect(screen.queryByText(/Retrying/)).toBeNull();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
    expect(editor()).toHaveTextContent('Shared text typed offline');
  });

  it('an edit answered 404 shows the same removed state', async () => {
    await openAsBob(socket);
    typeAtEnd('!');
    act(() => jest.advanceTimersByTime(300));
    act(() =>
      socket
        .sent('edit')[0]
        .reply({ ok: false, error: { status: 404, code: 'not_found', detail: 'Nothing here.' } }),
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This document is no longer available to you');
    expect(screen.queryByText('This document no longer exists.')).toBeNull();
    expect(editor()).toHaveAttribute('contenteditable', 'false');
  });
});
