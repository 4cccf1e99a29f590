import { applyPatchStrict, threeWayMerge, type Draft } from '@concord/shared';

/** A base version the server no longer has (404). */
export const GONE = Symbol('gone');

/**
 * The base version of a draft as the dialog knows it: its text, GONE, or null while unknown (not
 * asked for, or the draft names no version).
 */
export type BaseText = string | typeof GONE | null;

/** Why a draft has no text to offer. */
export type NoTextReason = 'unknown-base' | 'base-gone' | 'does-not-apply' | 'no-text';

export type DraftText = { ok: true; text: string } | { ok: false; reason: NoTextReason };

/** The sentences for a draft without text: nothing can be recovered or copied from it. */
export const NO_TEXT_REASONS: Record<NoTextReason, string> = {
  'unknown-base': 'Its changes were made against a version the server did not name, so they cannot be shown.',
  'base-gone': 'The version its changes were made against is no longer available, so they cannot be shown.',
  'does-not-apply':
    'Its changes no longer apply to the version they were made against, so they cannot be shown.',
  'no-text': 'It changed only the title, so it has no text.',
};

/** Whether the draft's text needs its base version: a socket edit's draft is a patch on it. */
export function needsBase(draft: Draft): boolean {
  return draft.content === null && draft.patch !== null && draft.baseVersion !== null;
}

/** The text a draft would have written: a REST PUT's body, or a socket edit's patch applied to its base. */
export function draftText(draft: Draft, base: BaseText): DraftText {
  if (draft.content !== null) return { ok: true, text: draft.content };
  if (draft.patch === null) return { ok: false, reason: 'no-text' };
  if (draft.baseVersion === null) return { ok: false, reason: 'unknown-base' };
  if (base === GONE) return { ok: false, reason: 'base-gone' };
  if (base === null) throw new Error('draftText: the base version is needed and not known yet');
  const applied = applyPatchStrict(base, draft.patch);
  return applied.ok ? { ok: true, text: applied.text } : { ok: false, reason: 'does-not-apply' };
}

export type Recovery =
  /** Merged cleanly: `text` is the document with the draft's changes in it. */
  | { kind: 'merged'; text: string }
  /** Everything the draft changed is already in the document. */
  | { kind: 'present' }
  /** The draft changed places that were changed differently since: the document is not touched. */
  | { kind: 'overlap'; conflicts: number };

/**
 * Recovery is a three-way merge: the draft's base, the draft's text as "mine", the editor's
 * current text (unsent typing included) as "theirs". Only a clean merge may touch the document;
 * a conflict would need the merge UI, so the person copies the text instead.
 */
export function planRecovery(base: string, mine: string, current: string): Recovery {
  const merged = threeWayMerge(base, mine, current);
  if (!merged.clean) return { kind: 'overlap', conflicts: merged.conflicts.length };
  return merged.text === current ? { kind: 'present' } : { kind: 'merged', text: merged.text };
}

/** Characters of a draft shown in the dialog: enough to recognise it, cheap for a megabyte. */
export const PREVIEW_CHARS = 1000;

/** The start of a draft's text for recognising it, never cutting a surrogate pair in two. */
export function previewOf(text: string, limit = PREVIEW_CHARS): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  const code = text.charCodeAt(limit - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
  return { text: text.slice(0, end), cut: true };
}

/**
 * The text a recovery merges against, or why there is none (the draft can then only be copied):
 * without its base version a three-way merge cannot tell the draft's changes from the rest.
 */
export function mergeBase(
  draft: Draft,
  base: BaseText,
): { ok: true; base: string } | { ok: false; reason: string } {
  if (draft.baseVersion === null) {
    return {
      ok: false,
      reason: 'It does not say which version it was based on, so it cannot be merged into the document.',
    };
  }
  if (base === GONE) {
    return {
      ok: false,
      reason: 'The version it was based on is no longer available, so it cannot be merged into the document.',
    };
  }
  if (base === null) throw new Error('mergeBase: the base version is not known yet');
  return { ok: true, base };
}
