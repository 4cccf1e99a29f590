import { type Hunk, diffHunks, splitsPair } from './diff';
import type { Diff } from './myers';
import { type PatchHunk, PatchSyntaxError, hunksToText, parsePatchText } from './patch-text';

/** Context characters kept on each side of a hunk, as diff-match-patch's Patch_Margin. */
const MARGIN = 4;

export type ApplyPatchResult =
  { ok: true; text: string } | { ok: false; reason: 'malformed' | 'does_not_apply'; detail: string };

/**
 * diff-match-patch patch text turning `from` into `to`; never throws.
 *
 * diff-match-patch's own `patch_make` + `patch_toText` throw a URIError when a hunk boundary
 * or its context margin cuts a surrogate pair (npm diff-match-patch issue 22: "😀" → "😁"
 * shares the high half). Here hunks come from `diffHunks`, whose boundaries never fall inside
 * a pair, and the context margin is widened by one unit whenever it would end on a half.
 * Lone surrogates already present in the input are written as WTF-8 escapes.
 */
export function makePatch(from: string, to: string): string {
  return patchOfEdits(from, diffHunks(from, to));
}

/**
 * Patch text applying `edits` to `from`: sorted, disjoint, in `from`'s coordinates, and with no
 * boundary inside a surrogate pair (as `diffHunks` and `mergeForAuthor` make them).
 */
export function patchOfEdits(from: string, edits: Hunk[]): string {
  if (edits.length === 0) return '';
  const hunks: PatchHunk[] = [];
  let delta = 0; // length of `to` minus length of `from`, before the current hunk
  let i = 0;
  while (i < edits.length) {
    // Group edits whose gap is too short for separate context margins into one hunk.
    let j = i;
    while (j + 1 < edits.length && edits[j + 1].start - edits[j].end <= 2 * MARGIN + 2) j++;
    let ctxStart = Math.max(0, edits[i].start - MARGIN);
    if (splitsPair(from, ctxStart)) ctxStart--;
    let ctxEnd = Math.min(from.length, edits[j].end + MARGIN);
    if (splitsPair(from, ctxEnd)) ctxEnd++;
    const diffs: Diff[] = [];
    let pos = ctxStart;
    let hunkDelta = 0;
    for (let k = i; k <= j; k++) {
      const edit = edits[k];
      if (edit.start > pos) diffs.push([0, from.slice(pos, edit.start)]);
      if (edit.end > edit.start) diffs.push([-1, from.slice(edit.start, edit.end)]);
      if (edit.text.length > 0) diffs.push([1, edit.text]);
      hunkDelta += edit.text.length - (edit.end - edit.start);
      pos = edit.end;
    }
    if (ctxEnd > pos) diffs.push([0, from.slice(pos, ctxEnd)]);
    const length1 = ctxEnd - ctxStart;
    hunks.push({ start1: ctxStart, start2: ctxStart + delta, length1, length2: length1 + hunkDelta, diffs });
    delta += hunkDelta;
    i = j + 1;
  }
  return hunksToText(hunks);
}

/**
 * Apply patch text with no fuzz at all: each hunk's context and deletions must be found
 * exactly at the position its header names (`start2`, in the text as patched by the hunks
 * before it — diff-match-patch's convention), and no hunk may start or end inside a
 * surrogate pair. diff-match-patch's `patch_apply` instead searches nearby with a fuzzy
 * matcher and can "succeed" in the wrong place; a concurrent-editing server must refuse that.
 * Never throws.
 */
export function applyPatchStrict(text: string, patchText: string): ApplyPatchResult {
  let hunks: PatchHunk[];
  try {
    hunks = parsePatchText(patchText);
  } catch (error) {
    if (error instanceof PatchSyntaxError) return { ok: false, reason: 'malformed', detail: error.message };
    return { ok: false, reason: 'malformed', detail: 'the patch could not be parsed' };
  }
  // Build the result piecewise (out + rest of source) so a 1 MB text with many hunks stays linear.
  let source = text;
  let srcPos = 0;
  let out: string[] = [];
  let outLen = 0;
  for (let h = 0; h < hunks.length; h++) {
    const hunk = hunks[h];
    if (hunk.start2 < outLen) {
      // Overlapping context (diff-match-patch can make such patches): materialize and go on.
      source = out.join('') + source.slice(srcPos);
      srcPos = 0;
      out = [];
      outLen = 0;
    }
    const skip = hunk.start2 - outLen;
    const at = srcPos + skip;
    const expected = hunk.diffs
      .filter(([op]) => op !== 1)
      .map(([, t]) => t)
      .join('');
    const found = source.slice(at, at + hunk.length1);
    if (at + hunk.length1 > source.length || found !== expected) {
      return {
        ok: false,
        reason: 'does_not_apply',
        detail: `hunk ${h + 1} (@@ -${hunk.start1 + 1} +${hunk.start2 + 1}) does not match the text at its position`,
      };
    }
    if (splitsPair(source, at) || splitsPair(source, at + hunk.length1)) {
      return { ok: false, reason: 'does_not_apply', detail: `hunk ${h + 1} would split a surrogate pair` };
    }
    const replacement = hunk.diffs
      .filter(([op]) => op !== -1)
      .map(([, t]) => t)
      .join('');
    out.push(source.slice(srcPos, at), replacement);
    outLen += skip + replacement.length;
    srcPos = at + hunk.length1;
  }
  out.push(source.slice(srcPos));
  return { ok: true, text: out.join('') };
}
