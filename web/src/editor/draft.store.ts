import type { LocalDraft } from './sync.machine';

/**
 * Unsaved local text kept in localStorage, so an edit made offline survives a closed tab or a
 * crash and is merged when the document is next opened.
 *
 * Each editor session (a tab's visit to a document) keeps its draft under its own key and holds
 * a Web Lock named after itself while it is open. A draft whose session holds no lock was left
 * by a tab that closed or crashed: the next session of that user and document takes it over. A
 * draft of a tab still open is its own business — taking it would send the same typing twice,
 * and clearing it would lose that tab's offline work if it then crashed.
 */
const DRAFT_PREFIX = 'concord:draft:';
const SESSION_LOCK_PREFIX = 'concord:session:';

function documentKey(documentId: string, userId: string): string {
  return `${DRAFT_PREFIX}${userId}:${documentId}`;
}

function sessionKey(documentId: string, userId: string, sessionId: string): string {
  return `${documentKey(documentId, userId)}:${sessionId}`;
}

/** Unique among this browser's tabs; not crypto.randomUUID, which plain-http pages lack. */
export function newSessionId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The Web Locks API where the browser has it (jsdom and old browsers do not). */
function webLocks(): LockManager | undefined {
  return typeof navigator === 'undefined' ? undefined : (navigator as Partial<Navigator>).locks;
}

/** Holds the session's lock until the returned release is called (or the tab goes away). */
export function holdSessionLock(sessionId: string): () => void {
  const locks = webLocks();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  void locks?.request(SESSION_LOCK_PREFIX + sessionId, () => held).catch(() => undefined);
  return release;
}

/**
 * The sessions open in any tab of this browser (holding or awaiting their lock); undefined at
 * once without the Web Locks API, where every other session's draft counts as left behind.
 */
export function openSessions(): Promise<ReadonlySet<string>> | undefined {
  const locks = webLocks();
  if (locks === undefined) return undefined;
  return locks.query().then((state) => {
    const names = [...(state.held ?? []), ...(state.pending ?? [])].flatMap((lock) => lock.name ?? []);
    return new Set(names.filter((name) => name.startsWith(SESSION_LOCK_PREFIX)).map((name) => name.slice(SESSION_LOCK_PREFIX.length)));
  });
}

function parseDraft(raw: string | null): (LocalDraft & { savedAt: string }) | null {
  try {
    if (!raw) return null;
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === 'object' &&
      value !== null &&
      'baseVersion' in value &&
      'baseText' in value &&
      'text' in value &&
      typeof value.baseVersion === 'number' &&
      typeof value.baseText === 'string' &&
      typeof value.text === 'string'
    ) {
      const savedAt = 'savedAt' in value && typeof value.savedAt === 'string' ? value.savedAt : '';
      return { baseVersion: value.baseVersion, baseText: value.baseText, text: value.text, savedAt };
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * Takes over the newest draft of this user and document that no open session owns (`open`
 * undefined: none is known to be open), moving it under `sessionId`'s key. Others left behind
 * wait for the next visit. A draft stored before drafts had sessions has no owner.
 */
export function claimDraft(
  documentId: string,
  userId: string,
  sessionId: string,
  open: ReadonlySet<string> | undefined,
): LocalDraft | null {
  try {
    const prefix = documentKey(documentId, userId);
    let newest: { key: string; draft: LocalDraft & { savedAt: string } } | null = null;
    for (let index = 0; index < localStorage.length; index++) {
      const key = localStorage.key(index);
      if (key === null || (key !== prefix && !key.startsWith(`${prefix}:`))) continue;
      const owner = key.slice(prefix.length + 1);
      if (owner === sessionId || (owner !== '' && open?.has(owner) === true)) continue;
      const draft = parseDraft(localStorage.getItem(key));
      if (draft !== null && (newest === null || draft.savedAt > newest.draft.savedAt)) newest = { key, draft };
    }
    if (newest === null) return null;
    const { baseVersion, baseText, text } = newest.draft;
    const draft: LocalDraft = { baseVersion, baseText, text };
    saveDraft(documentId, userId, sessionId, draft);
    localStorage.removeItem(newest.key);
    return draft;
  } catch {
    return null;
  }
}

export function saveDraft(documentId: string, userId: string, sessionId: string, draft: LocalDraft): void {
  try {
    localStorage.setItem(sessionKey(documentId, userId, sessionId), JSON.stringify({ ...draft, savedAt: new Date().toISOString() }));
  } catch {
    // Storage full or disabled: the draft still lives in memory for this tab.
  }
}

export function clearDraft(documentId: string, userId: string, sessionId: string): void {
  try {
    localStorage.removeItem(sessionKey(documentId, userId, sessionId));
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}
