import { makePatch, type ConcordDocument, type EditBroadcast, type UserSummary } from '@concord/shared';
import { alice, bob, DOC_ID, serverDoc } from './editor.fixtures';
import { sharedSyncDeps } from './sync-deps';
import {
  draftOf,
  initialSyncState,
  reduceSync,
  syncStatus,
  type SyncAction,
  type SyncDeps,
  type SyncEffect,
  type SyncState,
} from './sync.machine';
import { applyChanges, diffChanges } from './text-changes.util';

function broadcast(baseVersion: number, version: number, from: string, to: string, author: UserSummary = bob): EditBroadcast {
  return {
    documentId: DOC_ID,
    baseVersion,
    version,
    etag: `"${DOC_ID}.v${version}"`,
    patch: makePatch(from, to),
    author,
    at: '2026-11-25T10:06:00.000Z',
  };
}

/**
 * Drives the reducer the way the live session does, with a simulated editor that only ever
 * changes through local typing or the machine's applyToEditor effects: after every step the
 * editor must show exactly the machine's idea of the document.
 */
class Harness {
  state: SyncState = initialSyncState(DOC_ID);
  editor = '';
  sent: SyncEffect[] = [];
  all: SyncEffect[] = [];
  private seq = 0;
  readonly deps: SyncDeps = { ...sharedSyncDeps, newId: () => `edit-${++this.seq}` };

  do(action: SyncAction): SyncEffect[] {
    const { state, effects } = reduceSync(this.state, action, this.deps);
    this.state = state;
    for (const effect of effects) {
      if (effect.type === 'applyToEditor') this.editor = applyChanges(effect.changes, this.editor);
      if (effect.type === 'send') this.sent.push(effect);
    }
    this.all.push(...effects);
    expect(this.editor).toBe(this.state.doc);
    return effects;
  }

  /** Connect and join at `document`. */
  open(document: ConcordDocument): void {
    this.do({ type: 'connected' });
    this.do({ type: 'joined', document });
  }

  /** The user types: replace `find` with `replace` (first occurrence). */
  type(find: string, replace: string): void {
    const at = this.editor.indexOf(find);
    if (at < 0) throw new Error(`"${find}" not in editor text`);
    const next = this.editor.slice(0, at) + replace + this.editor.slice(at + find.length);
    const changes = diffChanges(this.editor, next);
    this.editor = next;
    this.do({ type: 'local', changes });
  }

  lastSend() {
    const effect = this.sent[this.sent.length - 1];
    if (effect?.type !== 'send') throw new Error('nothing sent');
    return effect.payload;
  }
}

describe('save state machine', () => {
  it('shows the joined document as saved and sends typing as a merge: true patch against the acknowledged version', () => {
    const h = new Harness();
    expect(syncStatus(h.state)).toBe('loading');
    h.open(serverDoc(3, 'Hello world\n'));
    expect(h.editor).toBe('Hello world\n');
    expect(syncStatus(h.state)).toBe('saved');

    h.type('world', 'there');
    expect(syncStatus(h.state)).toBe('saving');
    expect(h.sent).toHaveLength(0);

    h.do({ type: 'flush' });
    const payload = h.lastSend();
    expect(payload).toMatchObject({ documentId: DOC_ID, baseVersion: 3, merge: true, clientEditId: 'edit-1' });
    expect(sharedSyncDeps.applyPatch('Hello world\n', payload.patch)).toBe('Hello there\n');

    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 4, etag: '"v4"' } });
    expect(syncStatus(h.state)).toBe('saved');
    expect(h.state.server).toEqual({ version: 4, text: 'Hello there\n', etag: '"v4"' });
    expect(draftOf(h.state)).toBeNull();
  });

  it('sends nothing while an edit is in flight, then the typing made meanwhile against the new version', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'abc'));
    h.type('abc', 'abcd');
    h.do({ type: 'flush' });
    h.type('abcd', 'abcde');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 2, etag: '"v2"' } });
    expect(syncStatus(h.state)).toBe('saving');
    h.do({ type: 'flush' });
    expect(h.lastSend()).toMatchObject({ baseVersion: 2 });
    expect(sharedSyncDeps.applyPatch('abcd', h.lastSend().patch)).toBe('abcde');
  });

  it('applies a remote edit without losing unsent local typing (rebased, not overwritten)', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'line one\nline two\n'));
    h.type('line two', 'line two, edited locally');
    h.do({ type: 'remoteEdit', edit: broadcast(1, 2, 'line one\nline two\n', 'LINE ONE\nline two\n') });
    expect(h.editor).toBe('LINE ONE\nline two, edited locally\n');
    expect(h.state.server?.version).toBe(2);
    h.do({ type: 'flush' });
    expect(h.lastSend().baseVersion).toBe(2);
    expect(sharedSyncDeps.applyPatch('LINE ONE\nline two\n', h.lastSend().patch)).toBe('LINE ONE\nline two, edited locally\n');
  });

  it('rebases over a remote edit that arrives while an edit is in flight, and takes the merged ack without applying anything twice', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'alpha beta gamma'));
    h.type('gamma', 'GAMMA');
    h.do({ type: 'flush' });
    h.type('GAMMA', 'GAMMA!');
    h.do({ type: 'remoteEdit', edit: broadcast(1, 2, 'alpha beta gamma', 'ALPHA beta gamma') });
    expect(h.editor).toBe('ALPHA beta GAMMA!');
    // The server merged our stale edit onto version 2: its patch turns what we sent into v3.
    const patch = makePatch('alpha beta GAMMA', 'ALPHA beta GAMMA');
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 3, etag: '"v3"', merged: true, patch } });
    expect(h.editor).toBe('ALPHA beta GAMMA!');
    expect(h.state.server).toMatchObject({ version: 3, text: 'ALPHA beta GAMMA' });
    expect(syncStatus(h.state)).toBe('saving');
  });

  it('corrects the editor when the server merged differently than the local rebase', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'x'));
    h.type('x', 'xy');
    h.do({ type: 'flush' });
    h.do({ type: 'remoteEdit', edit: broadcast(1, 2, 'x', 'xz') });
    // Local rebase puts the remote insertion first ("xzy"); say the server chose "xyz".
    expect(h.editor).toBe('xzy');
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 3, etag: '"v3"', merged: true, patch: makePatch('xy', 'xyz') } });
    expect(h.editor).toBe('xyz');
    expect(syncStatus(h.state)).toBe('saved');
  });

  it('holds a broadcast that depends on a pending ack and applies it after the ack', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'one two'));
    h.type('two', 'TWO');
    h.do({ type: 'flush' });
    h.do({ type: 'remoteEdit', edit: broadcast(2, 3, 'one TWO', 'ONE TWO') });
    expect(h.editor).toBe('one TWO');
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 2, etag: '"v2"' } });
    expect(h.editor).toBe('ONE TWO');
    expect(h.state.server?.version).toBe(3);
  });

  it('ignores broadcasts it already has and re-joins on a gap', () => {
    const h = new Harness();
    h.open(serverDoc(5, 'text'));
    expect(h.do({ type: 'remoteEdit', edit: broadcast(4, 5, 'tex', 'text') })).toEqual([]);
    const effects = h.do({ type: 'remoteEdit', edit: broadcast(6, 7, 'text!', 'text!!') });
    expect(effects).toEqual([{ type: 'resync' }]);
    expect(h.editor).toBe('text');
    // Typing while the re-join is under way waits for it, then goes out on the new base.
    h.type('text', 'text?');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(0);
    h.do({ type: 'joined', document: serverDoc(7, 'text!!') });
    expect(h.lastSend()).toMatchObject({ baseVersion: 5 });
  });

  it('on a stale 409 whose three-way merge is clean, merges silently and sends again against the current version', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'first line\nsecond line\n'));
    h.type('second', 'SECOND');
    h.do({ type: 'flush' });
    const current = serverDoc(2, 'FIRST line\nsecond line\n');
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 409, code: 'stale_version', detail: 'Bob changed it', current } } });
    expect(h.state.conflict).toBeNull();
    expect(h.editor).toBe('FIRST line\nSECOND line\n');
    expect(h.lastSend()).toMatchObject({ baseVersion: 2, clientEditId: 'edit-2' });
    expect(sharedSyncDeps.applyPatch(current.content, h.lastSend().patch)).toBe('FIRST line\nSECOND line\n');
  });

  it('on an overlapping 409 enters Conflict with base, mine and theirs, and sends nothing more until resolved', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'The cat sat.\n'));
    h.type('cat', 'dog');
    h.do({ type: 'flush' });
    const current = serverDoc(2, 'The bird sat.\n');
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 409, code: 'stale_version', detail: 'Bob changed it', current } } });
    expect(syncStatus(h.state)).toBe('conflict');
    expect(h.state.conflict).toMatchObject({ baseVersion: 1, base: 'The cat sat.\n', mine: 'The dog sat.\n', theirs: { version: 2 } });
    expect(h.state.conflict?.merge.clean).toBe(false);
    expect(draftOf(h.state)).toEqual({ baseVersion: 1, baseText: 'The cat sat.\n', text: 'The dog sat.\n' });
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);

    // Bob writes again while the dialog is open: noted, not applied to the editor.
    h.do({ type: 'remoteEdit', edit: broadcast(2, 3, 'The bird sat.\n', 'The bird sat.\nMore.\n') });
    expect(h.state.conflict?.newerEdits).toEqual([{ version: 3, author: bob, at: '2026-11-25T10:06:00.000Z' }]);
    expect(h.editor).toBe('The dog sat.\n');

    // The resolution is sent against the version it was resolved against, so the server
    // merges Bob's newer edit in instead of it being overwritten.
    h.do({ type: 'resolve', text: 'The dog and bird sat.\n' });
    expect(h.editor).toBe('The dog and bird sat.\n');
    expect(syncStatus(h.state)).toBe('saving');
    expect(h.lastSend()).toMatchObject({ baseVersion: 2, merge: true });
    expect(sharedSyncDeps.applyPatch(current.content, h.lastSend().patch)).toBe('The dog and bird sat.\n');
    const patch = makePatch('The dog and bird sat.\n', 'The dog and bird sat.\nMore.\n');
    h.do({ type: 'ack', clientEditId: 'edit-2', ack: { ok: true, version: 4, etag: '"v4"', merged: true, patch } });
    expect(h.editor).toBe('The dog and bird sat.\nMore.\n');
    expect(syncStatus(h.state)).toBe('saved');
  });

  it('discard mine takes their text and catches up on anything newer', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'a b c'));
    h.type('b', 'B');
    h.do({ type: 'flush' });
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 409, code: 'stale_version', detail: '', current: serverDoc(2, 'a x c') } } });
    h.do({ type: 'remoteEdit', edit: broadcast(2, 3, 'a x c', 'a x c d') });
    const effects = h.do({ type: 'discard' });
    expect(h.editor).toBe('a x c');
    expect(effects).toContainEqual({ type: 'resync' });
    expect(syncStatus(h.state)).toBe('saved');
  });

  it('overwrite with mine ends the conflict at the written version', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'a b c'));
    h.type('b', 'B');
    h.do({ type: 'flush' });
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 409, code: 'stale_version', detail: '', current: serverDoc(2, 'a x c') } } });
    h.do({ type: 'overwritten', document: serverDoc(3, 'a B c', alice) });
    expect(h.editor).toBe('a B c');
    expect(h.state.server?.version).toBe(3);
    expect(syncStatus(h.state)).toBe('saved');
    // Its own broadcast, arriving later, changes nothing.
    expect(h.do({ type: 'remoteEdit', edit: broadcast(2, 3, 'a x c', 'a B c', alice) })).toEqual([]);
  });

  it('keeps edits made offline, and after reconnecting sends them against the version they were made on', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'shared text'));
    h.type('text', 'text, typed');
    h.do({ type: 'flush' });
    h.do({ type: 'disconnected' });
    expect(syncStatus(h.state)).toBe('offline');
    h.type('typed', 'typed offline');
    expect(draftOf(h.state)).toEqual({ baseVersion: 1, baseText: 'shared text', text: 'shared text, typed offline' });
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);

    h.do({ type: 'connected' });
    h.do({ type: 'joined', document: serverDoc(4, 'SHARED text') });
    // Not rebased locally: the server three-way merges it (or answers with a conflict).
    expect(h.editor).toBe('shared text, typed offline');
    expect(h.lastSend()).toMatchObject({ baseVersion: 1, merge: true, clientEditId: 'edit-2' });
    expect(sharedSyncDeps.applyPatch('shared text', h.lastSend().patch)).toBe('shared text, typed offline');
    h.do({ type: 'ack', clientEditId: 'edit-2', ack: { ok: true, version: 5, etag: '"v5"', merged: true, patch: makePatch('shared text, typed offline', 'SHARED text, typed offline') } });
    expect(h.editor).toBe('SHARED text, typed offline');
    expect(syncStatus(h.state)).toBe('saved');
  });

  it('after reconnecting with nothing unsaved, shows what others wrote meanwhile', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'old'));
    h.do({ type: 'disconnected' });
    h.do({ type: 'connected' });
    h.do({ type: 'joined', document: serverDoc(3, 'new and old') });
    expect(h.editor).toBe('new and old');
    expect(h.sent).toHaveLength(0);
  });

  it('restores a draft left by an earlier visit and sends it once joined', () => {
    const h = new Harness();
    h.do({ type: 'restoreDraft', draft: { baseVersion: 2, baseText: 'base', text: 'base + draft' } });
    expect(h.editor).toBe('base + draft');
    h.open(serverDoc(3, 'base, changed'));
    expect(h.lastSend()).toMatchObject({ baseVersion: 2 });
    expect(sharedSyncDeps.applyPatch('base', h.lastSend().patch)).toBe('base + draft');
  });

  it('stops sending when the document is archived or the user may only read it', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text!');
    h.do({ type: 'flush' });
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 403, code: 'forbidden', detail: 'viewer' } } });
    expect(h.state.access).toBe('read');
    expect(syncStatus(h.state)).toBe('read-only');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);
    expect(draftOf(h.state)?.text).toBe('text!');

    const g = new Harness();
    g.open(serverDoc(1, 'text'));
    g.do({ type: 'stateChanged', state: 'archived' });
    g.type('text', 'text?');
    g.do({ type: 'flush' });
    expect(g.sent).toHaveLength(0);
    expect(g.state.blocked).toMatch(/archived/);
  });

  it('re-sends an edit whose acknowledgement was lost', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text!');
    h.do({ type: 'flush' });
    expect(h.do({ type: 'ackLost', clientEditId: 'edit-1' })).toEqual([{ type: 'resync' }]);
    h.do({ type: 'joined', document: serverDoc(1, 'text') });
    expect(h.lastSend()).toMatchObject({ baseVersion: 1, clientEditId: 'edit-2' });
  });

  it('keeps a transient failure as pending with its reason', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text!');
    h.do({ type: 'flush' });
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: { status: 429, code: 'rate_limited', detail: 'Slow down' } } });
    expect(h.state.error).toBe('Slow down');
    expect(syncStatus(h.state)).toBe('saving');
    h.do({ type: 'flush' });
    expect(h.lastSend()).toMatchObject({ baseVersion: 1, clientEditId: 'edit-2' });
  });

  it('stops resending a document the server refuses as too large, keeps it unsent, and sends again once it changes', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text that grew too large');
    h.do({ type: 'flush' });
    const tooLarge = { status: 413, code: 'payload_too_large' as const, detail: 'Larger than 1 MiB.' };
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: tooLarge } });
    expect(syncStatus(h.state)).toBe('refused');
    expect(h.state.refused).toBe('Larger than 1 MiB.');
    expect(draftOf(h.state)).toMatchObject({ baseVersion: 1, text: 'text that grew too large' });
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);
    h.type(' that grew too large', '!');
    expect(syncStatus(h.state)).toBe('saving');
    h.do({ type: 'flush' });
    expect(h.lastSend()).toMatchObject({ baseVersion: 1, clientEditId: 'edit-2', patch: makePatch('text', 'text!') });
  });

  it('round-trips CRLF and astral characters exactly', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'a\r\nb 😀\r\n'));
    h.type('b', 'b2');
    expect(h.editor).toBe('a\r\nb2 😀\r\n');
    h.do({ type: 'flush' });
    expect(sharedSyncDeps.applyPatch('a\r\nb 😀\r\n', h.lastSend().patch)).toBe('a\r\nb2 😀\r\n');
  });
});

describe('save state machine: access changed by the owner', () => {
  const notFound = { status: 404, code: 'not_found' as const, detail: 'Nothing here.' };

  it('removed: sends nothing more, ignores what still arrives, and keeps the unsent typing as the draft', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text, unsent');
    h.do({ type: 'accessChanged', role: null });
    expect(h.state.access).toBe('removed');
    expect(syncStatus(h.state)).toBe('no-access');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(0);
    // A broadcast or a join answer that was already on its way changes nothing.
    h.do({ type: 'remoteEdit', edit: broadcast(1, 2, 'text', 'text by bob') });
    h.do({ type: 'joined', document: serverDoc(2, 'text by bob') });
    expect(h.editor).toBe('text, unsent');
    expect(h.state.joined).toBe(false);
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(0);
    expect(draftOf(h.state)).toEqual({ baseVersion: 1, baseText: 'text', text: 'text, unsent' });
    // Being removed is final for this visit: a later role does not reopen it.
    h.do({ type: 'accessChanged', role: 'editor' });
    expect(h.state.access).toBe('removed');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(0);
  });

  it('removed with an edit in flight: a refusal keeps it unsent (and the reason: removed); an acceptance saves it', () => {
    const refused = new Harness();
    refused.open(serverDoc(1, 'text'));
    refused.type('text', 'text!');
    refused.do({ type: 'flush' });
    refused.do({ type: 'accessChanged', role: null });
    refused.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: notFound } });
    expect(refused.state.access).toBe('removed');
    expect(refused.state.inflight).toBeNull();
    expect(draftOf(refused.state)?.text).toBe('text!');
    expect(syncStatus(refused.state)).toBe('no-access');

    const accepted = new Harness();
    accepted.open(serverDoc(1, 'text'));
    accepted.type('text', 'text!');
    accepted.do({ type: 'flush' });
    accepted.do({ type: 'accessChanged', role: null });
    accepted.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: true, version: 2, etag: '"v2"' } });
    expect(accepted.state.server?.version).toBe(2);
    expect(draftOf(accepted.state)).toBeNull();
  });

  it('made a viewer: stops sending and says the typing is not saved; made an editor again: sends it at once', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.do({ type: 'accessChanged', role: 'viewer' });
    expect(h.state.access).toBe('read');
    expect(syncStatus(h.state)).toBe('saved');
    h.type('text', 'text typed before the editor turned read-only');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(0);
    expect(syncStatus(h.state)).toBe('read-only');
    expect(draftOf(h.state)?.text).toBe('text typed before the editor turned read-only');

    h.do({ type: 'accessChanged', role: 'editor' });
    expect(h.state.access).toBe('write');
    expect(h.lastSend()).toMatchObject({ baseVersion: 1, patch: makePatch('text', 'text typed before the editor turned read-only') });
    expect(syncStatus(h.state)).toBe('saving');
  });

  it('an open document whose re-join answers 404 (removed while offline) is the removed state, not an error to retry', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.do({ type: 'disconnected' });
    h.type('text', 'text typed offline');
    h.do({ type: 'connected' });
    h.do({ type: 'joinFailed', code: 'not_found', detail: 'Nothing here.' });
    expect(h.state.access).toBe('unavailable');
    expect(h.state.error).toBeNull();
    expect(syncStatus(h.state)).toBe('no-access');
    expect(draftOf(h.state)?.text).toBe('text typed offline');

    // A draft from an earlier visit counts as open too.
    const g = new Harness();
    g.do({ type: 'restoreDraft', draft: { baseVersion: 2, baseText: 'base', text: 'base + draft' } });
    g.do({ type: 'connected' });
    g.do({ type: 'joinFailed', code: 'not_found', detail: 'Nothing here.' });
    expect(g.state.access).toBe('unavailable');
    expect(draftOf(g.state)?.text).toBe('base + draft');

    // Never opened: nothing was lost; the page says the document is not there.
    const never = new Harness();
    never.do({ type: 'connected' });
    never.do({ type: 'joinFailed', code: 'not_found', detail: 'Nothing here.' });
    expect(never.state.access).toBe('write');
    expect(never.state.error).toBe('Nothing here.');
  });

  it('an edit answered 404 is the same removed state, its typing kept', () => {
    const h = new Harness();
    h.open(serverDoc(1, 'text'));
    h.type('text', 'text!');
    h.do({ type: 'flush' });
    h.do({ type: 'ack', clientEditId: 'edit-1', ack: { ok: false, error: notFound } });
    expect(h.state.access).toBe('unavailable');
    expect(h.state.blocked).toBeNull();
    expect(syncStatus(h.state)).toBe('no-access');
    expect(draftOf(h.state)?.text).toBe('text!');
    h.do({ type: 'flush' });
    expect(h.sent).toHaveLength(1);
  });
});
