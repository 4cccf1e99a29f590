import { ChangeSet } from '@codemirror/state';
import type { ConcordDocument, EditAck, EditBroadcast, EditPayload, MemberRole, MergeResult, UserSummary } from '@concord/shared';
import { applyChanges, diffChanges } from './text-changes.util';

/**
 * The save state machine of one open document: a pure reducer (no socket, no timers, no DOM),
 * so every path through it is unit-tested.
 *
 * The model is the one CodeMirror's collab package uses: the last version the server confirmed
 * (`server`), the edit sent and not yet acknowledged (`inflight`), and the local changes typed
 * since (`pending`). Invariant: doc = server.text + inflight + pending. Remote edits are
 * rebased over inflight and pending as change sets, so the local cursor and typing survive;
 * the server, asked with `merge: true`, decides whether an edit made against an older version
 * still applies, and its answer (a merged ack's patch) corrects any difference.
 */

export interface ServerSnapshot {
  version: number;
  text: string;
  etag: string;
}

export interface Inflight {
  clientEditId: string;
  baseVersion: number;
  /** The text the sent patch produces on its base: what a merged ack's patch applies to. */
  sentText: string;
  /** server.text → the sent text, rebased over every remote edit since sending. */
  changes: ChangeSet;
}

export interface NewerEdit {
  version: number;
  author: UserSummary;
  at: string;
}

export interface ConflictState {
  /** The version both sides started from, and its text. */
  baseVersion: number;
  base: string;
  /** This user's text. */
  mine: string;
  /** The server's document when the conflict was found (who and when included). */
  theirs: ConcordDocument;
  merge: MergeResult;
  /** Edits others made while the merge UI was open: merged in by the server on save. */
  newerEdits: NewerEdit[];
}

export type Connection = 'connecting' | 'online' | 'offline';

/**
 * What the server last said this user may do here. `write` until told otherwise (the page also
 * knows the role from the member list); `read` after being made a viewer (or a write refused
 * 403); `removed` after the owner took the user off the document (the `access` event with role
 * null); `unavailable` when a document that was open answers 404 (removed, or deleted, while
 * this tab was not listening: the server does not say which). The last two are final for this
 * visit: nothing is sent or re-joined, and unsent changes stay in the draft.
 */
export type Access = 'write' | 'read' | 'removed' | 'unavailable';

/** Whether `access` means the document is gone for this visit. */
export function accessLost(access: Access): boolean {
  return access === 'removed' || access === 'unavailable';
}

export interface SyncState {
  documentId: string;
  connection: Connection;
  /** Whether the `join` for the current connection has been acknowledged. */
  joined: boolean;
  server: ServerSnapshot | null;
  doc: string;
  inflight: Inflight | null;
  pending: ChangeSet;
  conflict: ConflictState | null;
  /** Remote edits that arrived ahead of an acknowledgement they depend on. */
  buffered: EditBroadcast[];
  /** Why writing is not possible (archived, deleted), or null. */
  blocked: string | null;
  access: Access;
  /**
   * Why the server refuses the unsent changes as they stand (the document grew past its size
   * limit): nothing is sent again until the text changes, and the changes stay unsent, not lost.
   */
  refused: string | null;
  error: string | null;
  /** The newest document the server sent on joining: the fallback "theirs" when our base is unusable. */
  latest: ConcordDocument | null;
  editSeq: number;
}

export interface SyncDeps {
  /** Applies diff-match-patch patch text exactly; throws when a hunk does not apply. */
  applyPatch: (text: string, patch: string) => string;
  makePatch: (from: string, to: string) => string;
  merge: (base: string, mine: string, theirs: string) => MergeResult;
  /** A unique id for each edit sent (the clientEditId). */
  newId: () => string;
}

export interface LocalDraft {
  baseVersion: number;
  baseText: string;
  text: string;
}

export type SyncAction =
  | { type: 'local'; changes: ChangeSet }
  | { type: 'restoreDraft'; draft: LocalDraft }
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'joined'; document: ConcordDocument }
  | { type: 'joinFailed'; code: string; detail: string }
  | { type: 'flush' }
  | { type: 'remoteEdit'; edit: EditBroadcast }
  | { type: 'ack'; clientEditId: string; ack: EditAck }
  | { type: 'ackLost'; clientEditId: string }
  | { type: 'resolve'; text: string }
  | { type: 'discard' }
  | { type: 'overwritten'; document: ConcordDocument }
  | { type: 'stateChanged'; state: 'active' | 'archived' | 'deleted' }
  /** The server's `access` event: the owner changed this user's role, or removed them (null). */
  | { type: 'accessChanged'; role: MemberRole | null };

export type SyncEffect =
  | { type: 'send'; payload: EditPayload }
  /** Changes to the editor's current document, to apply without recording them as local. */
  | { type: 'applyToEditor'; changes: ChangeSet }
  /** Re-join with sinceVersion to catch up after a gap. */
  | { type: 'resync' };

export interface SyncResult {
  state: SyncState;
  effects: SyncEffect[];
}

export type SyncStatus = 'loading' | 'saved' | 'saving' | 'refused' | 'read-only' | 'no-access' | 'offline' | 'conflict';

export function initialSyncState(documentId: string): SyncState {
  return {
    documentId,
    connection: 'connecting',
    joined: false,
    server: null,
    doc: '',
    inflight: null,
    pending: ChangeSet.empty(0),
    conflict: null,
    buffered: [],
    blocked: null,
    access: 'write',
    refused: null,
    error: null,
    latest: null,
    editSeq: 0,
  };
}

export function syncStatus(state: SyncState): SyncStatus {
  if (accessLost(state.access)) return 'no-access';
  if (state.conflict) return 'conflict';
  if (state.connection === 'offline') return 'offline';
  if (!state.server) return state.connection === 'connecting' ? 'loading' : 'offline';
  if (state.refused) return 'refused';
  // Typing kept from before the user became a viewer: not on its way anywhere.
  if (state.access === 'read' && !state.inflight && !state.pending.empty) return 'read-only';
  if (state.inflight || !state.pending.empty) return 'saving';
  return 'saved';
}

/** True when there are local changes the server has not acknowledged. */
export function hasUnsavedChanges(state: SyncState): boolean {
  return state.inflight !== null || !state.pending.empty || state.conflict !== null;
}

/** What to keep in localStorage so nothing typed is lost if the tab closes: null when all is saved. */
export function draftOf(state: SyncState): LocalDraft | null {
  if (!state.server || !hasUnsavedChanges(state)) return null;
  if (state.conflict) return { baseVersion: state.conflict.baseVersion, baseText: state.conflict.base, text: state.conflict.mine };
  return { baseVersion: state.server.version, baseText: state.server.text, text: state.doc };
}

function snapshotOf(document: ConcordDocument): ServerSnapshot {
  return { version: document.version, text: document.content, etag: document.etag };
}

/** Replace the editor's text with `text`, as a minimal change so the cursor stays where it can. */
function replaceDoc(state: SyncState, text: string, effects: SyncEffect[]): string {
  if (state.doc !== text) effects.push({ type: 'applyToEditor', changes: diffChanges(state.doc, text) });
  return text;
}

export function reduceSync(state: SyncState, action: SyncAction, deps: SyncDeps): SyncResult {
  const effects: SyncEffect[] = [];
  const next = reduce(state, action, deps, effects);
  return { state: next, effects };
}

function reduce(state: SyncState, action: SyncAction, deps: SyncDeps, effects: SyncEffect[]): SyncState {
  switch (action.type) {
    case 'local':
      return { ...state, doc: applyChanges(action.changes, state.doc), pending: state.pending.compose(action.changes), refused: null };

    case 'restoreDraft': {
      // A draft from an earlier session of this tab: shown at once, sent against its own base
      // version after joining, so the server merges it with whatever happened meanwhile.
      if (state.server) return state;
      const { draft } = action;
      effects.push({ type: 'applyToEditor', changes: diffChanges(state.doc, draft.text) });
      return {
        ...state,
        server: { version: draft.baseVersion, text: draft.baseText, etag: '' },
        doc: draft.text,
        pending: diffChanges(draft.baseText, draft.text),
      };
    }

    case 'connected':
      return { ...state, connection: 'online', joined: false };

    case 'disconnected': {
      // The ack of an edit in flight is lost with the connection: its changes go back to
      // pending and are sent again (against the same base) once the channel is back.
      const pending = state.inflight ? state.inflight.changes.compose(state.pending) : state.pending;
      return { ...state, connection: 'offline', joined: false, inflight: null, pending, buffered: [] };
    }

    case 'joined':
      // A join answered after the removal that overtook it: the room is already left.
      if (accessLost(state.access)) return state;
      return flush(joined(state, action.document, effects), deps, effects);

    case 'joinFailed':
      // A document that was open (this visit or the one whose draft this is) now answers 404:
      // access removed, or the document deleted, while this tab was not listening.
      if (action.code === 'not_found' && state.server) return { ...state, access: lostAs(state, 'unavailable'), joined: false, error: null };
      return { ...state, error: action.detail, blocked: action.code === 'document_archived' ? 'This document is archived.' : state.blocked };

    case 'flush':
      return flush(state, deps, effects);

    case 'remoteEdit':
      if (accessLost(state.access)) return state;
      return remoteEdit(state, action.edit, deps, effects);

    case 'ack':
      if (!state.inflight || state.inflight.clientEditId !== action.clientEditId) return state;
      return action.ack.ok ? acknowledged(state, state.inflight, action.ack, deps, effects) : rejected(state, action.ack.error, deps, effects);

    case 'ackLost': {
      if (!state.inflight || state.inflight.clientEditId !== action.clientEditId) return state;
      effects.push({ type: 'resync' });
      return { ...state, inflight: null, pending: state.inflight.changes.compose(state.pending), joined: false };
    }

    case 'resolve': {
      if (!state.conflict) return state;
      // The resolution is an edit against the version the user resolved against: anything
      // others wrote while the dialog was open is merged in by the server, not overwritten.
      const theirs = state.conflict.theirs;
      const doc = replaceDoc(state, action.text, effects);
      const resolved: SyncState = {
        ...state,
        conflict: null,
        server: snapshotOf(theirs),
        doc,
        inflight: null,
        pending: diffChanges(theirs.content, action.text),
        buffered: [],
        error: null,
      };
      return flush(resolved, deps, effects);
    }

    case 'discard': {
      if (!state.conflict) return state;
      const theirs = state.conflict.theirs;
      const doc = replaceDoc(state, theirs.content, effects);
      const resync = state.conflict.newerEdits.length > 0 && state.connection === 'online';
      if (resync) effects.push({ type: 'resync' });
      return { ...state, joined: state.joined && !resync, conflict: null, server: snapshotOf(theirs), doc, inflight: null, pending: ChangeSet.empty(doc.length), buffered: [], error: null };
    }

    case 'overwritten': {
      const doc = replaceDoc(state, action.document.content, effects);
      return {
        ...state,
        conflict: null,
        server: snapshotOf(action.document),
        doc,
        inflight: null,
        pending: ChangeSet.empty(doc.length),
        buffered: [],
        error: null,
      };
    }

    case 'stateChanged':
      if (action.state === 'archived') return { ...state, blocked: 'This document is archived: restore it from the list to edit.' };
      if (action.state === 'deleted') return { ...state, blocked: 'This document was deleted.' };
      return { ...state, blocked: null };

    case 'accessChanged':
      // Removed: the server has already taken this tab out of the room. What was typed and not
      // acknowledged stays (pending, and in the draft); an edit in flight still gets its answer.
      if (action.role === null) return { ...state, access: lostAs(state, 'removed'), joined: false };
      // The room is left for good once access is lost; a later role cannot bring it back.
      if (accessLost(state.access)) return state;
      if (action.role === 'viewer') return { ...state, access: 'read' };
      // Editor (again): typing kept while read-only is sent now.
      return flush({ ...state, access: 'write' }, deps, effects);
  }
}

/** The first reason access was lost stays: a 404 answering an edit after a removal is the removal's echo. */
function lostAs(state: SyncState, access: 'removed' | 'unavailable'): Access {
  return accessLost(state.access) ? state.access : access;
}

function joined(state: SyncState, document: ConcordDocument, effects: SyncEffect[]): SyncState {
  const base: SyncState = { ...state, connection: 'online', joined: true, buffered: [], error: null, latest: document };
  if (!state.server) {
    const doc = replaceDoc(state, document.content, effects);
    return { ...base, server: snapshotOf(document), doc, pending: ChangeSet.empty(doc.length) };
  }
  if (state.conflict) {
    // The dialog stays open; newer versions are merged in when the user saves.
    return state.conflict.theirs.version < document.version
      ? { ...base, conflict: { ...state.conflict, newerEdits: [...state.conflict.newerEdits, { version: document.version, author: document.updatedBy, at: document.updatedAt }] } }
      : base;
  }
  const pending = state.inflight ? state.inflight.changes.compose(state.pending) : state.pending;
  if (!pending.empty) {
    // Local changes made offline stay based on the version they were made against; the flush
    // that follows sends them with merge: true and the server merges (or reports a conflict).
    return { ...base, inflight: null, pending };
  }
  if (document.version === state.server.version) return { ...base, server: { ...state.server, etag: document.etag || state.server.etag } };
  const doc = replaceDoc(state, document.content, effects);
  return { ...base, server: snapshotOf(document), doc, inflight: null, pending: ChangeSet.empty(doc.length) };
}

function flush(state: SyncState, deps: SyncDeps, effects: SyncEffect[]): SyncState {
  if (!state.server || !state.joined || state.connection !== 'online') return state;
  if (state.inflight || state.conflict || state.blocked || state.refused || state.access !== 'write' || state.pending.empty) return state;
  const sentText = state.doc;
  const clientEditId = deps.newId();
  const payload: EditPayload = {
    documentId: state.documentId,
    baseVersion: state.server.version,
    patch: deps.makePatch(state.server.text, sentText),
    clientEditId,
    merge: true,
  };
  effects.push({ type: 'send', payload });
  return {
    ...state,
    inflight: { clientEditId, baseVersion: state.server.version, sentText, changes: state.pending },
    pending: ChangeSet.empty(sentText.length),
    editSeq: state.editSeq + 1,
  };
}

function remoteEdit(state: SyncState, edit: EditBroadcast, deps: SyncDeps, effects: SyncEffect[]): SyncState {
  if (edit.documentId !== state.documentId || !state.server || edit.version <= state.server.version) return state;
  if (state.conflict) {
    if (edit.version <= state.conflict.theirs.version) return state;
    return { ...state, conflict: { ...state.conflict, newerEdits: [...state.conflict.newerEdits, { version: edit.version, author: edit.author, at: edit.at }] } };
  }
  if (edit.baseVersion !== state.server.version) {
    // An edit we cannot place yet: it follows a version our pending ack will bring, or we
    // missed one. Wait for the ack; with nothing in flight, catch up by re-joining.
    if (state.inflight) return { ...state, buffered: [...state.buffered, edit] };
    // Nothing is sent until the re-join answers, so no edit goes out on a base being replaced.
    effects.push({ type: 'resync' });
    return { ...state, joined: false };
  }
  let remoteText: string;
  try {
    remoteText = deps.applyPatch(state.server.text, edit.patch);
  } catch {
    effects.push({ type: 'resync' });
    return state;
  }
  // Rebase: the remote change goes before ours at equal positions, on both sides.
  let remote = diffChanges(state.server.text, remoteText);
  let inflight = state.inflight;
  if (inflight) {
    const rebased = inflight.changes.map(remote);
    remote = remote.map(inflight.changes, true);
    inflight = { ...inflight, changes: rebased };
  }
  const pending = state.pending.map(remote);
  remote = remote.map(state.pending, true);
  if (!remote.empty) effects.push({ type: 'applyToEditor', changes: remote });
  return {
    ...state,
    server: { version: edit.version, text: remoteText, etag: edit.etag },
    doc: applyChanges(remote, state.doc),
    inflight,
    pending,
  };
}

function acknowledged(
  state: SyncState,
  inflight: Inflight,
  ack: Extract<EditAck, { ok: true }>,
  deps: SyncDeps,
  effects: SyncEffect[],
): SyncState {
  const server = state.server as ServerSnapshot;
  let confirmed = inflight.sentText;
  if (ack.merged && ack.patch !== undefined) {
    try {
      confirmed = deps.applyPatch(inflight.sentText, ack.patch);
    } catch {
      // The server's new text is unknown to us: send our changes again against the base we
      // know after re-joining; the server merges them with themselves cleanly.
      effects.push({ type: 'resync' });
      return { ...state, inflight: null, pending: inflight.changes.compose(state.pending), joined: false };
    }
  }
  // What we believe the server holds (our base with our rebased edit) versus what it says it
  // holds: any difference is corrected in the editor, rebased over what was typed since.
  const believed = applyChanges(inflight.changes, server.text);
  let pending = state.pending;
  let doc = state.doc;
  if (believed !== confirmed) {
    const correction = diffChanges(believed, confirmed);
    const onEditor = correction.map(pending, true);
    pending = pending.map(correction);
    doc = applyChanges(onEditor, doc);
    if (!onEditor.empty) effects.push({ type: 'applyToEditor', changes: onEditor });
  }
  let next: SyncState = {
    ...state,
    server: { version: ack.version, text: confirmed, etag: ack.etag },
    doc,
    pending,
    inflight: null,
    buffered: [],
    error: null,
  };
  // Broadcasts that were waiting for this ack: those it already includes are dropped.
  const waiting = state.buffered.filter((edit) => edit.version > ack.version).sort((a, b) => a.version - b.version);
  for (const edit of waiting) next = remoteEdit(next, edit, deps, effects);
  return next;
}

function rejected(state: SyncState, error: Extract<EditAck, { ok: false }>['error'], deps: SyncDeps, effects: SyncEffect[]): SyncState {
  const inflight = state.inflight as Inflight;
  const unsent: SyncState = { ...state, inflight: null, pending: inflight.changes.compose(state.pending) };
  const code = error.code;
  if (code === 'stale_version') return error.current ? mergeWith(unsent, error.current, effects, deps) : { ...unsent, error: error.detail };
  if (code === 'patch_does_not_apply' || code === 'history_pruned') {
    // Our base is unusable: merge against the newest document we know instead of looping.
    return state.latest ? mergeWith(unsent, state.latest, effects, deps) : { ...unsent, error: error.detail };
  }
  if (code === 'document_archived') return { ...unsent, blocked: 'This document is archived: restore it from the list to edit.' };
  if (code === 'forbidden') return { ...unsent, access: accessLost(state.access) ? state.access : 'read' };
  // Sending the same text again would be refused again (and resend up to megabytes each time).
  if (code === 'payload_too_large') return { ...unsent, refused: error.detail };
  if (code === 'not_found') return { ...unsent, access: lostAs(state, 'unavailable'), joined: false };
  // A passing failure (rate limit, server trouble): kept as pending, retried later.
  return { ...unsent, error: error.detail };
}

/**
 * The re-fetch / three-way merge step: base = the version our changes were made against,
 * mine = the editor's text, theirs = the server's. Clean: applied silently and sent. Not
 * clean: the conflict goes to the merge UI.
 */
function mergeWith(state: SyncState, theirs: ConcordDocument, effects: SyncEffect[], deps: SyncDeps): SyncState {
  const server = state.server as ServerSnapshot;
  const merge = deps.merge(server.text, state.doc, theirs.content);
  if (merge.clean) {
    const doc = replaceDoc(state, merge.text, effects);
    const merged = { ...state, server: snapshotOf(theirs), doc, inflight: null, pending: diffChanges(theirs.content, merge.text), buffered: [], error: null };
    return flush(merged, deps, effects);
  }
  return {
    ...state,
    inflight: null,
    buffered: [],
    conflict: { baseVersion: server.version, base: server.text, mine: state.doc, theirs, merge, newerEdits: [] },
  };
}
