import type { ChangeSet } from '@codemirror/state';
import { makePatch } from '@concord/shared';
import { alice, bob, DOC_ID, FakeSocket, serverDoc } from './editor.fixtures';
import { LiveSession, type ConcordSocket, type RemoteCursor } from './live-session.service';
import { sharedSyncDeps } from './sync-deps';
import { syncStatus } from './sync.machine';
import { applyChanges, diffChanges } from './text-changes.util';

const open: LiveSession[] = [];

/** A session started against a fake socket that has not connected yet. */
function startSession() {
  const socket = new FakeSocket();
  const onUnauthorized = jest.fn();
  let auth: () => { token: string } = () => ({ token: '' });
  const session = new LiveSession({
    documentId: DOC_ID,
    token: 'token-1',
    selfId: alice.id,
    deps: sharedSyncDeps,
    onUnauthorized,
    connect: (credentials) => {
      auth = credentials;
      return socket as unknown as ConcordSocket;
    },
  });
  let editor = '';
  let cursors: RemoteCursor[] = [];
  let selection: { anchor: number; head: number } | null = null;
  open.push(session);
  session.attachEditor({
    applyRemote: (changes: ChangeSet) => {
      editor = applyChanges(changes, editor);
    },
    setCursors: (next) => {
      cursors = next;
    },
    selection: () => selection,
  });
  session.start();
  /** The server accepts the connection and answers the join with `initial` at version 1. */
  const joinWith = (initial: string) => {
    socket.connected = true;
    socket.fire('connect');
    socket.sent('join')[0].reply({ ok: true, document: serverDoc(1, initial), presence: [alice, bob] });
  };
  const type = (next: string) => {
    const changes = diffChanges(editor, next);
    editor = next;
    session.localChange(changes);
  };
  /** The focused editor moves its cursor, and reports it as CodeMirror's update listener does. */
  const select = (anchor: number, head = anchor) => {
    selection = { anchor, head };
    session.localSelection(anchor, head);
  };
  /** A handshake, as socket.io makes one on every (re)connection: the token it carries. */
  const handshake = () => auth().token;
  return { socket, session, onUnauthorized, joinWith, type, select, handshake, editor: () => editor, cursors: () => cursors };
}

/** A started session whose socket is connected and joined to `initial` at version 1. */
function setup(initial = 'Hello') {
  const started = startSession();
  started.joinWith(initial);
  return started;
}

/** Just enough of the Web Locks API: a lock is held from its request until its callback's promise settles. */
class FakeLocks {
  private readonly held = new Set<string>();

  request(name: string, callback: () => Promise<unknown>): Promise<unknown> {
    this.held.add(name);
    return Promise.resolve()
      .then(callback)
      .finally(() => this.held.delete(name));
  }

  query(): Promise<{ held: Array<{ name: string }>; pending: [] }> {
    return Promise.resolve({ held: [...this.held].map((name) => ({ name })), pending: [] });
  }
}

/** Runs `test` with `locks` as navigator.locks (jsdom has none). */
async function withWebLocks(locks: FakeLocks, test: () => Promise<void>): Promise<void> {
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  try {
    await test();
  } finally {
    delete (navigator as { locks?: unknown }).locks;
  }
}

const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await Promise.resolve();
};

function draftKeys(): string[] {
  return Object.keys(localStorage).filter((key) => key.startsWith('concord:draft:'));
}

describe('LiveSession', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    localStorage.clear();
  });

  afterEach(() => {
    for (const session of open.splice(0)) session.stop();
    jest.useRealTimers();
  });

  it('joins the document and shows it, with who is there', () => {
    const { socket, session, editor } = setup('Hello');
    expect(socket.sent('join')[0].payload).toEqual({ documentId: DOC_ID });
    expect(editor()).toBe('Hello');
    expect(session.getSnapshot().presence.map((user) => user.username)).toEqual(['alice', 'bob']);
    expect(syncStatus(session.getSnapshot().sync)).toBe('saved');
  });

  it('sends a burst of typing as one edit after a short pause, and is Saved once acknowledged', () => {
    const { socket, session, type } = setup('Hello');
    type('Hello,');
    jest.advanceTimersByTime(100);
    type('Hello, wo');
    jest.advanceTimersByTime(100);
    type('Hello, world');
    expect(socket.sent('edit')).toHaveLength(0);
    expect(draftKeys()).toHaveLength(1);
    jest.advanceTimersByTime(260);
    const edits = socket.sent('edit');
    expect(edits).toHaveLength(1);
    expect(edits[0].payload).toMatchObject({ documentId: DOC_ID, baseVersion: 1, merge: true, patch: makePatch('Hello', 'Hello, world') });
    edits[0].reply({ ok: true, version: 2, etag: '"v2"' });
    expect(syncStatus(session.getSnapshot().sync)).toBe('saved');
    expect(draftKeys()).toHaveLength(0);
  });

  it('sends at once on Ctrl+S instead of waiting for the pause', () => {
    const { socket, session, type } = setup('Hello');
    type('Hello!');
    session.saveNow();
    expect(socket.sent('edit')).toHaveLength(1);
  });

  it('keeps saving during continuous typing (at least once a second)', () => {
    const { socket, type } = setup('');
    let text = '';
    for (let i = 0; i < 12; i += 1) {
      text += 'x';
      type(text);
      jest.advanceTimersByTime(100);
    }
    expect(socket.sent('edit').length).toBeGreaterThanOrEqual(1);
  });

  it('applies a remote edit into the editor and shows the other person’s cursor (not its own)', () => {
    const { socket, editor, cursors, session } = setup('Hello');
    socket.fire('edit', {
      documentId: DOC_ID,
      baseVersion: 1,
      version: 2,
      etag: '"v2"',
      patch: makePatch('Hello', 'Hello there'),
      author: bob,
      at: '2026-11-25T10:06:00.000Z',
    });
    expect(editor()).toBe('Hello there');
    socket.fire('cursor', { documentId: DOC_ID, user: bob, anchor: 5, head: 11 });
    socket.fire('cursor', { documentId: DOC_ID, user: alice, anchor: 0, head: 0 });
    expect(cursors()).toEqual([{ user: bob, anchor: 5, head: 11 }]);
    // Bob leaves: his cursor goes with him.
    socket.fire('presence', { documentId: DOC_ID, users: [alice] });
    expect(cursors()).toEqual([]);
    expect(session.getSnapshot().presence).toEqual([alice]);
  });

  it('sends the cursor again once the typing before it is accepted, so the others place it after that typing', () => {
    const { socket, type, select } = setup('Hello');
    type('Hello!');
    select(6);
    expect(socket.sent('cursor').map((sent) => sent.payload)).toEqual([{ documentId: DOC_ID, anchor: 6, head: 6 }]);
    jest.advanceTimersByTime(300);
    // The others have seen the cursor at 6 in "Hello" (clamped to its end) and will shift it by
    // the "!" when the edit arrives: sent again after the ack, it is where it belongs.
    socket.sent('edit')[0].reply({ ok: true, version: 2, etag: '"v2"' });
    expect(socket.sent('cursor').map((sent) => sent.payload)).toEqual([
      { documentId: DOC_ID, anchor: 6, head: 6 },
      { documentId: DOC_ID, anchor: 6, head: 6 },
    ]);
  });

  it('writes the draft of a large document less often the larger it is, and at least every two seconds', () => {
    const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n';
    const big = line.repeat(Math.ceil((1024 * 1024) / line.length));
    const { socket, type } = setup(big);
    socket.disconnect();
    socket.fire('disconnect');
    const setItem = jest.spyOn(Storage.prototype, 'setItem');
    const draftWrites = () => setItem.mock.calls.filter(([key]) => key.startsWith('concord:draft:')).length;
    let text = big;
    // Four seconds of offline typing, ten keystrokes a second.
    for (let i = 0; i < 40; i++) {
      text = `${text}x`;
      type(text);
      jest.advanceTimersByTime(100);
    }
    expect(draftWrites()).toBe(2);
    expect(JSON.parse(localStorage.getItem(draftKeys()[0]) ?? '{}')).toMatchObject({ text: `${big}${'x'.repeat(40)}` });
    setItem.mockRestore();
  });

  it('goes offline with the browser, keeps typing in localStorage, and reconnects when the network is back', () => {
    const { socket, session, type } = setup('Hello');
    window.dispatchEvent(new Event('offline'));
    expect(socket.disconnects).toBe(1);
    socket.fire('disconnect');
    expect(syncStatus(session.getSnapshot().sync)).toBe('offline');
    type('Hello offline');
    jest.advanceTimersByTime(2000);
    expect(socket.sent('edit')).toHaveLength(0);
    const stored = JSON.parse(localStorage.getItem(draftKeys()[0]) ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ baseVersion: 1, baseText: 'Hello', text: 'Hello offline' });

    window.dispatchEvent(new Event('online'));
    expect(socket.connects).toBe(1);
    socket.connected = true;
    socket.fire('connect');
    const rejoin = socket.sent('join')[1];
    expect(rejoin.payload).toEqual({ documentId: DOC_ID, sinceVersion: 1 });
    rejoin.reply({ ok: true, document: serverDoc(3, 'Hello!'), presence: [alice] });
    const edit = socket.sent('edit')[0];
    expect(edit.payload).toMatchObject({ baseVersion: 1, merge: true });
  });

  it('signs out when the socket refuses the token', () => {
    const { socket, onUnauthorized, session } = setup();
    socket.refuses('unauthorized');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized).toHaveBeenCalledWith('token-1');
    expect(session.getSnapshot().fatal).toMatch(/Sign in again/);
  });

  describe('when the token changes (a new password, here or in another tab)', () => {
    it('closed by the server for the old token: reconnects at once with the new one, re-joins and sends what was typed', () => {
      const { socket, session, type, handshake, onUnauthorized } = setup('Hello');
      expect(handshake()).toBe('token-1');
      type('Hello, world');
      jest.advanceTimersByTime(300);
      expect(socket.sent('edit')).toHaveLength(1);
      // The new password's answer and the server closing the old token's socket: either first.
      socket.serverCloses();
      expect(socket.connects).toBe(0);
      session.setToken('token-2');
      expect(socket.connects).toBe(1);
      expect(handshake()).toBe('token-2');
      socket.connected = true;
      socket.fire('connect');
      socket.sent('join')[1].reply({ ok: true, document: serverDoc(1, 'Hello'), presence: [alice] });
      const resent = socket.sent('edit')[1];
      expect(resent.payload).toMatchObject({ baseVersion: 1, patch: makePatch('Hello', 'Hello, world') });
      resent.reply({ ok: true, version: 2, etag: '"v2"' });
      expect(syncStatus(session.getSnapshot().sync)).toBe('saved');
      expect(onUnauthorized).not.toHaveBeenCalled();
      expect(session.getSnapshot().rejoins).toBe(1);
    });

    it('the new token first: the open socket stays until the server closes it, then reconnects at once', () => {
      const { socket, session, handshake } = setup('Hello');
      session.setToken('token-2');
      expect(socket.connects).toBe(0);
      expect(socket.disconnects).toBe(0);
      socket.serverCloses();
      expect(socket.connects).toBe(1);
      expect(handshake()).toBe('token-2');
    });

    it('closed by the server with no new token: tries the same one again later; refused then, signs out', () => {
      const { socket, handshake, onUnauthorized } = setup('Hello');
      socket.serverCloses();
      expect(socket.connects).toBe(0);
      jest.advanceTimersByTime(10_000);
      expect(socket.connects).toBe(1);
      expect(handshake()).toBe('token-1');
      socket.refuses('unauthorized');
      expect(onUnauthorized).toHaveBeenCalledWith('token-1');
    });

    it('a new token while waiting to try the old one again: used at once, the old one never tried', () => {
      const { socket, session, handshake } = setup('Hello');
      socket.serverCloses();
      session.setToken('token-2');
      expect(socket.connects).toBe(1);
      expect(handshake()).toBe('token-2');
      jest.advanceTimersByTime(10_000);
      expect(socket.connects).toBe(1);
    });

    it('a refusal of a token replaced meanwhile is no reason to sign out: the new one is tried', () => {
      const { socket, session, handshake, onUnauthorized } = setup('Hello');
      socket.serverCloses();
      jest.advanceTimersByTime(10_000);
      expect(handshake()).toBe('token-1');
      // The new token arrives while the old one's handshake is on its way: no second handshake.
      session.setToken('token-2');
      expect(socket.connects).toBe(1);
      socket.refuses('unauthorized');
      expect(onUnauthorized).not.toHaveBeenCalled();
      expect(socket.connects).toBe(2);
      expect(handshake()).toBe('token-2');
      expect(session.getSnapshot().fatal).toBeNull();
    });
  });

  it('picks up a draft left by an earlier visit', () => {
    localStorage.setItem(`concord:draft:${alice.id}:${DOC_ID}`, JSON.stringify({ baseVersion: 1, baseText: 'Hello', text: 'Hello again' }));
    const { socket, editor } = setup('Hello');
    expect(editor()).toBe('Hello again');
    expect(socket.sent('join')[0].payload).toEqual({ documentId: DOC_ID, sinceVersion: 1 });
    expect(socket.sent('edit')[0].payload).toMatchObject({ baseVersion: 1, patch: makePatch('Hello', 'Hello again') });
  });

  it('takes over the draft of a tab that closed, and leaves that of a tab still open alone', () =>
    withWebLocks(new FakeLocks(), async () => {
      const stored = (text: string, savedAt: string) => JSON.stringify({ baseVersion: 1, baseText: 'Hello', text, savedAt });
      const locks = navigator.locks as unknown as FakeLocks;
      void locks.request('concord:session:open-tab', () => new Promise(() => undefined));
      localStorage.setItem(`concord:draft:${alice.id}:${DOC_ID}:open-tab`, stored('Hello from the open tab', '2026-11-26T10:00:02.000Z'));
      localStorage.setItem(`concord:draft:${alice.id}:${DOC_ID}:closed-tab`, stored('Hello from the closed tab', '2026-11-26T10:00:01.000Z'));
      const { socket, joinWith, editor } = startSession();
      await settle();
      joinWith('Hello');
      expect(editor()).toBe('Hello from the closed tab');
      expect(socket.sent('edit')[0].payload).toMatchObject({ baseVersion: 1, patch: makePatch('Hello', 'Hello from the closed tab') });
      expect(localStorage.getItem(`concord:draft:${alice.id}:${DOC_ID}:closed-tab`)).toBeNull();
      expect(localStorage.getItem(`concord:draft:${alice.id}:${DOC_ID}:open-tab`)).toBe(stored('Hello from the open tab', '2026-11-26T10:00:02.000Z'));
    }));

  it('keeps each tab’s draft apart, and holds its tab lock until its last unsent typing is answered', () =>
    withWebLocks(new FakeLocks(), async () => {
      const mine = startSession();
      const theirs = startSession();
      await settle();
      mine.joinWith('Hello');
      theirs.joinWith('Hello');
      mine.type('Hello, mine');
      theirs.type('Hello, theirs');
      expect(draftKeys()).toHaveLength(2);
      jest.advanceTimersByTime(300);
      theirs.socket.sent('edit')[0].reply({ ok: true, version: 2, etag: '"v2"' });
      // The other tab saved: this tab's unsaved typing is still stored.
      expect(draftKeys()).toHaveLength(1);
      const sessionLocks = async () =>
        (await (navigator.locks as unknown as FakeLocks).query()).held.filter(({ name }) => name.startsWith('concord:session:'));
      open.splice(open.indexOf(mine.session), 1);
      mine.session.stop();
      expect(await sessionLocks()).toHaveLength(2);
      mine.socket.sent('edit')[0].reply({ ok: true, version: 3, etag: '"v3"' });
      await settle();
      expect(await sessionLocks()).toHaveLength(1);
    }));

  it('leaving with unsent typing still sends it, and closes once the server has it', () => {
    const { socket, session, type } = setup('Hello');
    open.splice(open.indexOf(session), 1);
    type('Hello, and goodbye');
    session.stop();
    const edit = socket.sent('edit')[0];
    expect(edit.payload).toMatchObject({ baseVersion: 1, patch: makePatch('Hello', 'Hello, and goodbye') });
    expect(socket.disconnects).toBe(0);
    edit.reply({ ok: true, version: 2, etag: '"v2"' });
    expect(socket.sent('leave')).toHaveLength(1);
    expect(socket.disconnects).toBe(1);
    expect(draftKeys()).toHaveLength(0);
  });

  it('leaving when the last edit comes back as a conflict closes at once and keeps the typing as the draft', () => {
    const { socket, session, type } = setup('Hello world');
    open.splice(open.indexOf(session), 1);
    type('Hello mine world');
    session.stop();
    const edit = socket.sent('edit')[0];
    const current = serverDoc(2, 'Hello theirs world');
    edit.reply({ ok: false, error: { status: 409, code: 'stale_version', detail: 'Bob saved first.', current } });
    expect(socket.disconnects).toBe(1);
    expect(socket.sent('edit')).toHaveLength(1);
    const stored = JSON.parse(localStorage.getItem(draftKeys()[0]) ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ baseVersion: 1, text: 'Hello mine world' });
  });

  it('leaving with nothing unsent closes at once', () => {
    const { socket, session } = setup('Hello');
    open.splice(open.indexOf(session), 1);
    session.stop();
    expect(socket.sent('leave')).toHaveLength(1);
    expect(socket.disconnects).toBe(1);
  });

  describe('when the owner changes what this user may do', () => {
    it('removed: no more edits, presence or re-joins; the socket closes and the unsent typing stays as the draft', () => {
      const { socket, session, type, select } = setup('Hello');
      socket.fire('cursor', { documentId: DOC_ID, user: bob, anchor: 1, head: 1 });
      type('Hello, unsent');
      socket.fire('access', { documentId: DOC_ID, role: null, by: bob });
      const snapshot = session.getSnapshot();
      expect(snapshot.role).toBeNull();
      expect(snapshot.accessBy).toEqual(bob);
      expect(snapshot.sync.access).toBe('removed');
      expect(snapshot.presence).toEqual([]);
      expect(snapshot.cursors).toEqual([]);
      expect(syncStatus(snapshot.sync)).toBe('no-access');
      expect(socket.disconnects).toBe(1);
      jest.advanceTimersByTime(5000);
      select(3);
      window.dispatchEvent(new Event('online'));
      expect(socket.connects).toBe(0);
      expect(socket.sent('edit')).toHaveLength(0);
      expect(socket.sent('cursor')).toHaveLength(0);
      expect(socket.sent('join')).toHaveLength(1);
      const stored = JSON.parse(localStorage.getItem(draftKeys()[0]) ?? '{}') as Record<string, unknown>;
      expect(stored).toMatchObject({ baseVersion: 1, baseText: 'Hello', text: 'Hello, unsent' });
    });

    it('removed with an edit in flight: waits for its answer before closing the socket', () => {
      const { socket, session, type } = setup('Hello');
      type('Hello!');
      jest.advanceTimersByTime(300);
      const edit = socket.sent('edit')[0];
      socket.fire('access', { documentId: DOC_ID, role: null, by: bob });
      expect(socket.disconnects).toBe(0);
      edit.reply({ ok: false, error: { status: 404, code: 'not_found', detail: 'Nothing here.' } });
      expect(socket.disconnects).toBe(1);
      expect(session.getSnapshot().sync.access).toBe('removed');
      expect(draftKeys()).toHaveLength(1);
    });

    it('ignores an access event about another document', () => {
      const { socket, session } = setup('Hello');
      socket.fire('access', { documentId: 'another-document', role: null, by: bob });
      expect(session.getSnapshot().role).toBeUndefined();
      expect(session.getSnapshot().sync.access).toBe('write');
      expect(socket.disconnects).toBe(0);
    });

    it('made a viewer: nothing typed is sent; made an editor again: it is sent, without a reload', () => {
      const { socket, session, type } = setup('Hello');
      socket.fire('access', { documentId: DOC_ID, role: 'viewer', by: bob });
      expect(session.getSnapshot().role).toBe('viewer');
      expect(session.getSnapshot().sync.access).toBe('read');
      type('Hello from a reader');
      jest.advanceTimersByTime(2000);
      expect(socket.sent('edit')).toHaveLength(0);
      socket.fire('access', { documentId: DOC_ID, role: 'editor', by: bob });
      expect(session.getSnapshot().role).toBe('editor');
      const edit = socket.sent('edit')[0];
      expect(edit.payload).toMatchObject({ baseVersion: 1, patch: makePatch('Hello', 'Hello from a reader') });
      edit.reply({ ok: true, version: 2, etag: '"v2"' });
      expect(syncStatus(session.getSnapshot().sync)).toBe('saved');
    });

    it('an open document whose re-join answers 404 (removed while offline) stops re-joining and keeps the offline typing', () => {
      const { socket, session, type } = setup('Hello');
      socket.fire('disconnect');
      type('Hello offline');
      socket.connected = true;
      socket.fire('connect');
      socket.sent('join')[1].reply({ ok: false, error: { status: 404, code: 'not_found', detail: 'Nothing here.' } });
      const { sync } = session.getSnapshot();
      expect(sync.access).toBe('unavailable');
      expect(sync.error).toBeNull();
      expect(socket.disconnects).toBe(1);
      jest.advanceTimersByTime(10_000);
      expect(socket.sent('join')).toHaveLength(2);
      expect(socket.sent('edit')).toHaveLength(0);
      const stored = JSON.parse(localStorage.getItem(draftKeys()[0]) ?? '{}') as Record<string, unknown>;
      expect(stored).toMatchObject({ baseVersion: 1, text: 'Hello offline' });
    });
  });
});
