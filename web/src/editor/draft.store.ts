import type { LocalDraft } from './sync.machine';

/**
 * Unsaved local text kept in localStorage, per user and document, so an edit made offline
 * survives a closed tab or a crash and is merged when the document is next opened.
 */
function key(documentId: string, userId: string): string {
  return `concord:draft:${userId}:${documentId}`;
}

export function loadDraft(documentId: string, userId: string): LocalDraft | null {
  try {
    const raw = localStorage.getItem(key(documentId, userId));
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
      return { baseVersion: value.baseVersion, baseText: value.baseText, text: value.text };
    }
    return null;
  } catch {
    return null;
  }
}

export function saveDraft(documentId: string, userId: string, draft: LocalDraft): void {
  try {
    localStorage.setItem(key(documentId, userId), JSON.stringify({ ...draft, savedAt: new Date().toISOString() }));
  } catch {
    // Storage full or disabled: the draft still lives in memory for this tab.
  }
}

export function clearDraft(documentId: string, userId: string): void {
  try {
    localStorage.removeItem(key(documentId, userId));
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}
