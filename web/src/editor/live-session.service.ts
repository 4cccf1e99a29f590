import type { ChangeSet } from '@codemirror/state';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EditAck, JoinAck, MemberRole, ServerToClientEvents, UserSummary } from '@concord/shared';
import { claimDraft, clearDraft, holdSessionLock, newSessionId, openSessions, saveDraft } from './draft.store';
import {
  accessLost,
  draftOf,
  initialSyncState,
  type LocalDraft,
  reduceSync,
  type SyncAction,
  type SyncDeps,
  type SyncState,
} from './sync.machine';

/** Local edits are sent after this much quiet… */
const DEBOUNCE_MS = 250;
/** …or at the latest after this long, so a fast typist still saves continuously. */
const MAX_WAIT_MS = 1000;
const ACK_TIMEOUT_MS = 10_000;
const RETRY_MS = 3000;
const EAGER_DRAFT_CHARS = 64 * 1024;
/** Larger drafts are written at most this often per EAGER_DRAFT_CHARS of text… */
const DRAFT_MS_PER_EAGER_CHARS = 300;
/** …but at least this often, however large: a crash loses at most this much offline typing. */
const MAX_DRAFT_DELAY_MS = 2000;
const CLOSE_GRACE_MS = 5000;
/** After the server closed the socket, how long a new token has to arrive before the old one is tried again. */
const RECONNECT_AFTER_CLOSE_MS = 3000;
const EXPIRED = 'Your session has expired. Sign in again.';

export interface RemoteCursor {
  user: UserSummary;
  anchor: number;
  head: number;
}

export interface SessionSnapshot {
  sync: SyncState;
  presence: UserSummary[];
  cursors: RemoteCursor[];
  title: string | null;
  fatal: string | null;
  /**
   * This user's role as last learned: announced by the server during this visit (`access`), or
   * read from the member list (`roleListed`); undefined until either says.
   */
  role: MemberRole | null | undefined;
  /** Who made the last change the server announced (the owner, or this user leaving); null when unknown. */
  accessBy: UserSummary | null;
  /** How many `access` events this visit has heard (a member list asked for before the last one is older). */
  accessEvents: number;
  /** How many times the socket re-joined after a new connection: the role may have changed meanwhile. */
  rejoins: number;
}

export interface EditorBridge {
  /** Apply changes that did not come from the local user (remote edits, merges). */
  applyRemote: (changes: ChangeSet) => void;
  setCursors: (cursors: RemoteCursor[]) => void;
  /** The local selection while the editor has focus (a cursor worth showing to others), else null. */
  selection: () => { anchor: number; head: number } | null;
}

export type ConcordSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveSessionOptions {
  documentId: string;
  token: string;
  /** The signed-in user: their own cursor echoes are ignored, their drafts kept apart. */
  selfId: string;
  deps: SyncDeps;
  /** The socket refused `token`, the current one: the app signs out (or hands over a newer token). */
  onUnauthorized: (token: string) => void;
  /**
   * Opens the socket; the default is the page's own origin (tests pass a fake). `auth` gives the
   * handshake's credentials, read afresh for every (re)connection: the token may change.
   */
  connect?: (auth: () => { token: string }) => ConcordSocket;
}

function connectSameOrigin(auth: () => { token: string }): ConcordSocket {
  return io({ auth: (send) => send(auth()), path: '/socket.io', reconnectionDelayMax: 3000 });
}

/** One entry per person, however many tabs they have open. */
function uniqueUsers(users: UserSummary[]): UserSummary[] {
  return users.filter((user, index) => users.findIndex((other) => other.id === user.id) === index);
}

/**
 * One open document's live connection: the socket, the save state machine, the timers and
 * the local draft. The React page subscribes to snapshots; the editor feeds local changes in
 * and receives remote ones through the bridge.
 */
export class LiveSession {
  private sync: SyncState;
  private presence: UserSummary[] = [];
  private cursors = new Map<string, RemoteCursor>();
  private title: string | null = null;
  private fatal: string | null = null;
  private role: MemberRole | null | undefined = undefined;
  private accessBy: UserSummary | null = null;
  private accessEvents = 0;
  private rejoins = 0;
  /** Whether the socket's current connection has been joined once (a later join is a resync). */
  private joinedThisConnection = false;
  private connections = 0;
  /** The token for the next handshake, and the one the last handshake carried. */
  private token: string;
  private tokenInUse: string;
  /** The server closed the socket: try again (with the same token) after a while, unless a new one comes first. */
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private socket: ConcordSocket | null = null;
  private editor: EditorBridge | null = null;
  private listeners = new Set<(snapshot: SessionSnapshot) => void>();
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  private maxWaitTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastCursorSent = '';
  private draftTimer: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  private stopped = false;
  /** This visit's own draft key and Web Lock (draft.store.ts): other tabs leave its draft alone. */
  private readonly sessionId = newSessionId();
  private releaseSessionLock: (() => void) | null = null;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshot: SessionSnapshot;
  private readonly onOffline = () => this.socket?.disconnect();
  private readonly onOnline = () => this.socket?.connect();
  private readonly onPageHide = () => this.writeDraft();

  readonly documentId: string;
  private readonly selfId: string;
  private readonly deps: SyncDeps;

  constructor(private readonly options: LiveSessionOptions) {
    this.documentId = options.documentId;
    this.selfId = options.selfId;
    this.deps = options.deps;
    this.token = options.token;
    this.tokenInUse = options.token;
    this.sync = initialSyncState(options.documentId);
    this.snapshot = this.makeSnapshot();
  }

  start(): void {
    this.releaseSessionLock = holdSessionLock(this.sessionId);
    const open = openSessions();
    if (open === undefined) {
      this.connect(claimDraft(this.documentId, this.selfId, this.sessionId, undefined));
      return;
    }
    open.then(
      (sessions) => {
        if (!this.stopped) this.connect(claimDraft(this.documentId, this.selfId, this.sessionId, sessions));
      },
      // Which tabs are open is unknown: take no draft now; it stays stored for a later visit.
      () => this.connect(null),
    );
  }

  /** Restores the draft this visit took over, if any, and opens the socket. */
  private connect(draft: LocalDraft | null): void {
    if (this.stopped) return;
    if (draft) this.dispatch({ type: 'restoreDraft', draft });
    const socket = (this.options.connect ?? connectSameOrigin)(() => {
      this.tokenInUse = this.token;
      return { token: this.token };
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.connections += 1;
      this.joinedThisConnection = false;
      this.dispatch({ type: 'connected' });
      this.join();
    });
    socket.on('access', (payload) => {
      if (payload.documentId !== this.documentId) return;
      this.role = payload.role;
      this.accessBy = payload.by;
      this.accessEvents += 1;
      if (payload.role === null) {
        // Out of the room: nobody's presence or cursor reaches this tab any more.
        this.presence = [];
        this.cursors.clear();
        this.pushCursors();
      }
      this.dispatch({ type: 'accessChanged', role: payload.role });
    });
    socket.on('disconnect', (reason) => {
      this.presence = [];
      this.cursors.clear();
      this.dispatch({ type: 'disconnected' });
      // socket.io does not reconnect by itself after the server closed the socket: it does that
      // when the account's tokens are revoked (a new password, "sign out everywhere") or expire.
      if (reason === 'io server disconnect') this.reconnectAfterServerClose();
    });
    socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') {
        if (this.tokenInUse !== this.token) {
          // Refused a token already replaced (a password changed meanwhile): try the new one.
          this.reconnect();
        } else {
          this.fatal = EXPIRED;
          this.options.onUnauthorized(this.tokenInUse);
        }
      }
      this.dispatch({ type: 'disconnected' });
    });
    socket.on('edit', (edit) => {
      if (edit.documentId !== this.documentId) return;
      if (edit.title !== undefined) this.title = edit.title;
      this.dispatch({ type: 'remoteEdit', edit });
    });
    socket.on('presence', (payload) => {
      if (payload.documentId !== this.documentId) return;
      this.presence = uniqueUsers(payload.users);
      for (const id of [...this.cursors.keys()]) if (!payload.users.some((user) => user.id === id)) this.cursors.delete(id);
      this.pushCursors();
      this.emit();
    });
    socket.on('cursor', (payload) => {
      if (payload.documentId !== this.documentId || payload.user.id === this.selfId) return;
      this.cursors.set(payload.user.id, { user: payload.user, anchor: payload.anchor, head: payload.head });
      this.pushCursors();
      this.emit();
    });
    socket.on('document', (payload) => {
      if (payload.documentId !== this.documentId) return;
      this.title = payload.title;
      this.dispatch({ type: 'stateChanged', state: payload.state });
    });
    // The browser knows before socket.io's heartbeat does that the network is gone.
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    window.addEventListener('pagehide', this.onPageHide);
  }

  /**
   * Leaving the document (another page, another document): the UI lets go at once, but edits
   * not yet acknowledged are still sent, and the socket stays open until the server has them
   * (or a few seconds pass; the localStorage draft covers anything still unsent).
   */
  stop(): void {
    this.stopped = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('pagehide', this.onPageHide);
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = null;
    this.writeDraft();
    this.listeners.clear();
    this.editor = null;
    const s = this.sync;
    if (this.socket?.connected && s.joined && !this.stuck() && (s.inflight || !s.pending.empty)) {
      this.closing = true;
      this.clearTimers();
      this.dispatch({ type: 'flush' });
      this.closeTimer = setTimeout(() => this.close(), CLOSE_GRACE_MS);
      return;
    }
    this.close();
  }

  private close(): void {
    this.clearTimers();
    this.cancelReconnect();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.closing = false;
    if (this.socket?.connected) this.socket.emit('leave', { documentId: this.documentId }, () => undefined);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    // Only now: until the flush is answered, another tab taking this draft over would send it twice.
    this.releaseSessionLock?.();
    this.releaseSessionLock = null;
  }

  /**
   * The app's token changed (a new password here or in another tab, a new sign-in): the next
   * handshake carries it. A socket the server closed for its old token reconnects at once; an
   * open one stays (if its token was revoked, the server closes it, and it reconnects then).
   */
  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    if (this.fatal === EXPIRED) this.fatal = null;
    this.reconnect();
    this.emit();
  }

  /** The server closed the socket. With a newer token: again at once; with the same: later, to learn whether it still works. */
  private reconnectAfterServerClose(): void {
    if (this.tokenInUse !== this.token) {
      this.reconnect();
      return;
    }
    // Not at once: when this tab (or another) is changing the password, its new token is
    // usually a moment away, and trying the revoked one first would sign the user out.
    this.reconnectTimer ??= setTimeout(() => {
      this.reconnectTimer = null;
      this.reconnect();
    }, RECONNECT_AFTER_CLOSE_MS);
  }

  private reconnect(): void {
    this.cancelReconnect();
    const socket = this.socket;
    // Active: connected, or on its way (socket.io's own reconnection reads the token afresh too).
    if (!socket || socket.active || this.stopped || this.closing || accessLost(this.sync.access)) return;
    // Offline: the browser's 'online' event reconnects.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
    socket.connect();
  }

  /**
   * This user's role as the member list says (the page fetches it on opening and after every
   * re-join): a role changed while this tab was not listening is taken up here. Ignored when an
   * `access` event arrived after the list was asked for (`accessEvents` then), as it is newer.
   */
  roleListed(role: MemberRole | null, accessEvents: number): void {
    if (accessEvents !== this.accessEvents || role === null || accessLost(this.sync.access)) return;
    const before = this.role;
    if (before === role) return;
    this.role = role;
    // The first word on the role is how this visit starts, not a change to announce (a viewer's
    // editor is read-only from the start) unless a refused write had made it read-only already.
    if (before === undefined && (role === 'viewer' || this.sync.access === 'write')) {
      this.emit();
      return;
    }
    this.accessBy = null;
    this.dispatch({ type: 'accessChanged', role });
  }

  attachEditor(editor: EditorBridge | null): void {
    this.editor = editor;
    if (editor) this.pushCursors();
  }

  subscribe(listener: (snapshot: SessionSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getSnapshot(): SessionSnapshot {
    return this.snapshot;
  }

  /** Called by the editor for every change the local user makes. */
  localChange(changes: ChangeSet): void {
    this.dispatch({ type: 'local', changes });
  }

  /** Ctrl/Cmd+S: send now rather than after the pause (people press it out of habit). */
  saveNow(): void {
    this.clearTimers();
    this.dispatch({ type: 'flush' });
  }

  localSelection(anchor: number, head: number): void {
    const key = `${anchor}:${head}`;
    if (!this.socket?.connected || !this.sync.joined || key === this.lastCursorSent) return;
    this.lastCursorSent = key;
    this.socket.emit('cursor', { documentId: this.documentId, anchor, head }, () => undefined);
  }

  /**
   * The cursor goes out at once, the typing before it up to a second later: the others place it
   * in a text still without that typing, then shift it by the typing when the edit arrives. Sent
   * again once the edit is accepted (after its broadcast, on the same socket), it lands right.
   */
  private resendSelection(): void {
    const selection = this.editor?.selection();
    if (!selection) return;
    this.lastCursorSent = '';
    this.localSelection(selection.anchor, selection.head);
  }

  dispatch(action: SyncAction): void {
    const { state, effects } = reduceSync(this.sync, action, this.deps);
    this.sync = state;
    for (const effect of effects) {
      switch (effect.type) {
        case 'applyToEditor':
          this.editor?.applyRemote(effect.changes);
          break;
        case 'send':
          this.sendEdit(effect.payload.clientEditId ?? '', effect.payload);
          break;
        case 'resync':
          this.join();
          break;
      }
    }
    this.persistDraft();
    if (this.closing) {
      // Leaving: send what is left at once; close as soon as the server has everything, or as
      // soon as what is left cannot be sent (a conflict, a refusal, lost access: the draft keeps it).
      if (!this.sync.inflight && (this.sync.pending.empty || this.stuck())) this.close();
      else if (!this.sync.inflight && this.sync.joined) this.dispatch({ type: 'flush' });
      return;
    }
    // Access lost for good: once the edit in flight (if any) is answered, the socket has nothing
    // left to do here.
    if (accessLost(this.sync.access) && !this.sync.inflight && this.socket) this.retireSocket();
    this.scheduleFlush(action.type === 'local');
    this.emit();
  }

  /** Unsent changes that no flush can send until something else happens first. */
  private stuck(): boolean {
    const s = this.sync;
    return !!s.conflict || !!s.blocked || !!s.refused || s.access !== 'write';
  }

  /** Closes the socket of a document this user may no longer open; the page, its text and its draft stay. */
  private retireSocket(): void {
    this.clearTimers();
    this.cancelReconnect();
    this.presence = [];
    this.cursors.clear();
    this.pushCursors();
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }

  private join(): void {
    const socket = this.socket;
    if (!socket?.connected || accessLost(this.sync.access)) return;
    const sinceVersion = this.sync.server && this.sync.server.version > 0 ? this.sync.server.version : undefined;
    socket.emit('join', { documentId: this.documentId, ...(sinceVersion ? { sinceVersion } : {}) }, (ack: JoinAck) => {
      if (!ack.ok) {
        if (ack.error.status === 404 || ack.error.status === 403) this.fatal = ack.error.detail || 'This document does not exist or is not shared with you.';
        this.dispatch({ type: 'joinFailed', code: ack.error.code, detail: ack.error.detail });
        return;
      }
      // Removed while this join was on its way: the server has taken the socket out again.
      if (accessLost(this.sync.access)) return;
      this.presence = uniqueUsers(ack.presence);
      this.title = ack.document.title;
      if (!this.joinedThisConnection && this.connections > 1) this.rejoins += 1;
      this.joinedThisConnection = true;
      this.dispatch({ type: 'joined', document: ack.document });
      if (ack.document.state === 'archived') this.dispatch({ type: 'stateChanged', state: 'archived' });
    });
  }

  private sendEdit(clientEditId: string, payload: Parameters<ClientToServerEvents['edit']>[0]): void {
    const socket = this.socket;
    if (!socket) return;
    socket.timeout(ACK_TIMEOUT_MS).emit('edit', payload, (error: Error | null, ack: EditAck) => {
      if (error) this.dispatch({ type: 'ackLost', clientEditId });
      else {
        this.dispatch({ type: 'ack', clientEditId, ack });
        if (ack.ok) this.resendSelection();
      }
    });
  }

  private scheduleFlush(typed: boolean): void {
    const s = this.sync;
    const canSend = s.joined && !s.inflight && !this.stuck() && !s.pending.empty;
    if (!canSend) {
      if (s.pending.empty) this.clearTimers();
      return;
    }
    const flush = () => {
      this.clearTimers();
      this.dispatch({ type: 'flush' });
    };
    if (s.error) {
      // A passing server failure: try again later rather than in a tight loop.
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        flush();
      }, RETRY_MS);
      return;
    }
    if (typed || !this.debounceTimer) {
      if (this.debounceTimer) clearTimeout(this.debounceTimer);
      this.debounceTimer = setTimeout(flush, typed ? DEBOUNCE_MS : 0);
    }
    this.maxWaitTimer ??= setTimeout(flush, MAX_WAIT_MS);
  }

  private clearTimers(): void {
    for (const timer of [this.debounceTimer, this.maxWaitTimer, this.retryTimer]) if (timer) clearTimeout(timer);
    this.debounceTimer = null;
    this.maxWaitTimer = null;
    this.retryTimer = null;
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private persistDraft(): void {
    // Small documents are written at once, so even a crash a moment after a keystroke loses
    // nothing; large ones are throttled, as serialising a megabyte per keystroke makes typing lag.
    // A write costs as much as the text is long (twice over, base and text: ~20 ms for a MiB in
    // Chromium), so the pause grows with it, keeping the time spent on drafts small and even.
    const length = this.sync.doc.length;
    if (length <= EAGER_DRAFT_CHARS) {
      this.writeDraft();
      return;
    }
    this.draftTimer ??= setTimeout(
      () => {
        this.draftTimer = null;
        this.writeDraft();
      },
      Math.min(MAX_DRAFT_DELAY_MS, Math.round((DRAFT_MS_PER_EAGER_CHARS * length) / EAGER_DRAFT_CHARS)),
    );
  }

  private writeDraft(): void {
    const draft = draftOf(this.sync);
    if (draft) saveDraft(this.documentId, this.selfId, this.sessionId, draft);
    else if (this.sync.server) clearDraft(this.documentId, this.selfId, this.sessionId);
  }

  private pushCursors(): void {
    this.editor?.setCursors([...this.cursors.values()]);
  }

  private makeSnapshot(): SessionSnapshot {
    return {
      sync: this.sync,
      presence: this.presence,
      cursors: [...this.cursors.values()],
      title: this.title,
      fatal: this.fatal,
      role: this.role,
      accessBy: this.accessBy,
      accessEvents: this.accessEvents,
      rejoins: this.rejoins,
    };
  }

  private emit(): void {
    this.snapshot = this.makeSnapshot();
    for (const listener of this.listeners) listener(this.snapshot);
  }
}
