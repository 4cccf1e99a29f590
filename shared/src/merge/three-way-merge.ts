import type { Conflict, MergeResult } from '../protocol';
import { DIFF_BUDGET, type Hunk, diffHunks } from './diff';
import type { LineAlignment } from './line-runs';

/**
 * How far (UTF-16 units) a conflict zone grows along a word. Two edits inside one word
 * conflict; past this length a "word" is not something a reader takes in at a glance
 * (base64, random characters), and scanning it per edit would make the merge quadratic.
 */
const MAX_WORD = 64;

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;

type Side = 'mine' | 'theirs';

interface SideHunk extends Hunk {
  side: Side;
  /** Conflict zone: the hunk grown to whole words of the base. */
  zoneStart: number;
  zoneEnd: number;
}

/** A stretch of the base that the output replaces: one side's edits, equal edits, or a conflict. */
interface Region {
  start: number;
  end: number;
  mine: Hunk[];
  theirs: Hunk[];
  conflict: boolean;
}

/**
 * Three-way merge of plain text, character-level, in the manner of `git merge-file` but
 * finer-grained. Pure and deterministic: no I/O, no clock, no randomness.
 *
 * 1. Diff base→mine and base→theirs (see `computeDiff`: line diff first, then characters
 *    inside changed lines, on a deterministic work budget rather than diff-match-patch's
 *    wall-clock `Diff_Timeout`). Each diff becomes hunks against the base whose boundaries
 *    never split a surrogate pair. Line diffs are anchored on the lines unique in both texts;
 *    should steps 2–3 find a conflict, the merge is tried once more with Myers' shortest line
 *    alignment (see `mergeRegions`).
 * 2. Grow every hunk to the whole words of the base around it (its "zone"). Hunks of the two
 *    sides whose zones overlap or touch form one cluster; two edits in different words of a
 *    line merge cleanly, two edits in one word, or an insertion at the edge of the other side's
 *    deletion, do not.
 * 3. A cluster edited by one side is applied. A cluster edited by both sides is clean when
 *    both produce the same text there (identical changes), a conflict otherwise.
 * 4. A conflict is widened to whole lines of the base (the markers sit on their own lines, and
 *    a reader judges lines), and swallows any other edit that the widened region touches, so
 *    each side's version of the region is that side's complete text of those lines.
 * 5. The result is the base with every region replaced; a conflict is written as
 *    `<<<<<<< mine` / `=======` / `>>>>>>> theirs` (CRLF markers when the region uses CRLF).
 */
export function threeWayMerge(base: string, mine: string, theirs: string): MergeResult {
  if (mine === theirs || theirs === base) return cleanMerge(mine);
  if (mine === base) return cleanMerge(theirs);
  return mergeByHunks(base, mine, theirs);
}

/** A merge and, when it is clean, the edits that turn `mine` into its text. */
export interface AuthorMerge {
  result: MergeResult;
  /** Sorted, disjoint edits of `mine` (in its coordinates) that give `result.text`; empty for a conflict. */
  editsOfMine: Hunk[];
}

/**
 * threeWayMerge for the author of `mine`, who holds that text and must be told how to reach the
 * result. The edits come from the merge's own regions (theirs' hunks moved into `mine`'s
 * coordinates) instead of a third diff, `mine` against the result: that diff spans every
 * change the other side made, and on a busy document it cost as much as the merge itself.
 */
export function mergeForAuthor(base: string, mine: string, theirs: string): AuthorMerge {
  if (mine === theirs || theirs === base) return { result: cleanMerge(mine), editsOfMine: [] };
  if (mine === base) return { result: cleanMerge(theirs), editsOfMine: diffHunks(mine, theirs) };
  return mergeRegions(base, mine, theirs);
}

/** The merge proper, without the equal-input shortcuts (exported for the property tests). */
export function mergeByHunks(base: string, mine: string, theirs: string): MergeResult {
  return mergeRegions(base, mine, theirs).result;
}

function cleanMerge(text: string): MergeResult {
  return { clean: true, text, conflicts: [] };
}

function mergeRegions(base: string, mine: string, theirs: string): AuthorMerge {
  // Text without line breaks has no choice of line alignment.
  if (!base.includes('\n')) return mergeAligned(base, mine, theirs, 'shortest');
  // Where lines repeat, Myers may pair a blank line of the base with the wrong blank line of a
  // side and read the unique line next to it ("#0#") as deleted and inserted again. Edits of
  // different lines then seem to touch (a false conflict), or worse, merge cleanly with the
  // other side's line placed on the wrong side of "#0#". So both sides are first read anchored
  // on the lines unique in both texts, as a person reads them; only when that reading
  // conflicts is Myers' shortest alignment tried, and taken if its edits are apart.
  const anchored = mergeAligned(base, mine, theirs, 'unique-lines');
  if (anchored.result.clean) return anchored;
  const shortest = mergeAligned(base, mine, theirs, 'shortest');
  return shortest.result.clean ? shortest : anchored;
}

function mergeAligned(base: string, mine: string, theirs: string, alignment: LineAlignment): AuthorMerge {
  // One budget per side: two bounded diffs bound the whole merge.
  const mineHunks = diffHunks(base, mine, { remaining: DIFF_BUDGET }, alignment);
  const theirHunks = diffHunks(base, theirs, { remaining: DIFF_BUDGET }, alignment);
  const clusters = clusterHunks(base, mineHunks, theirHunks);
  const regions = widenConflicts(base, clusters);
  return render(base, regions);
}

function clusterHunks(base: string, mineHunks: Hunk[], theirHunks: Hunk[]): Region[] {
  const all: SideHunk[] = [];
  for (const hunk of mineHunks) all.push(withZone(base, hunk, 'mine'));
  for (const hunk of theirHunks) all.push(withZone(base, hunk, 'theirs'));
  all.sort(
    (a, b) =>
      a.zoneStart - b.zoneStart || a.start - b.start || (a.side === b.side ? 0 : a.side === 'mine' ? -1 : 1),
  );
  const regions: Region[] = [];
  let current: Region | null = null;
  let zoneEnd = -1;
  for (const hunk of all) {
    if (current === null || hunk.zoneStart > zoneEnd) {
      current = { start: hunk.start, end: hunk.end, mine: [], theirs: [], conflict: false };
      regions.push(current);
    }
    current[hunk.side].push({ start: hunk.start, end: hunk.end, text: hunk.text });
    current.start = Math.min(current.start, hunk.start);
    current.end = Math.max(current.end, hunk.end);
    zoneEnd = Math.max(zoneEnd, hunk.zoneEnd);
  }
  for (const region of regions) {
    if (region.mine.length > 0 && region.theirs.length > 0) {
      const ours = applyHunks(base, region.start, region.end, region.mine);
      const their = applyHunks(base, region.start, region.end, region.theirs);
      region.conflict = ours !== their;
    }
  }
  return regions;
}

function withZone(base: string, hunk: Hunk, side: Side): SideHunk {
  let zoneStart = hunk.start;
  const leftLimit = Math.max(0, hunk.start - MAX_WORD);
  while (zoneStart > leftLimit) {
    const width = zoneStart >= 2 && isPairAt(base, zoneStart - 2) ? 2 : 1;
    if (!isWordChar(base, zoneStart - width, zoneStart)) break;
    zoneStart -= width;
  }
  let zoneEnd = hunk.end;
  const rightLimit = Math.min(base.length, hunk.end + MAX_WORD);
  while (zoneEnd < rightLimit) {
    const width = isPairAt(base, zoneEnd) ? 2 : 1;
    if (!isWordChar(base, zoneEnd, zoneEnd + width)) break;
    zoneEnd += width;
  }
  // Not `{ ...hunk }`: V8 clones through a slow path there, and this runs for every hunk of a merge.
  return { start: hunk.start, end: hunk.end, text: hunk.text, side, zoneStart, zoneEnd };
}

/** Whether `text.slice(start, end)` (one code point) is a word character: WORD_CHAR, ASCII without the regex. */
function isWordChar(text: string, start: number, end: number): boolean {
  const code = text.charCodeAt(start);
  if (code >= 0x80) return WORD_CHAR.test(text.slice(start, end));
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f
  );
}

function isPairAt(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/** Grow conflicts to whole lines and fold in whatever they then touch; regions stay sorted and disjoint. */
function widenConflicts(base: string, regions: Region[]): Region[] {
  const stack: Region[] = [];
  for (const region of regions) {
    let current = region;
    let widened = false;
    for (;;) {
      const top = stack[stack.length - 1];
      if (top !== undefined && (top.conflict || current.conflict) && intersects(top, current)) {
        stack.pop();
        current = {
          start: Math.min(top.start, current.start),
          end: Math.max(top.end, current.end),
          mine: [...top.mine, ...current.mine],
          theirs: [...top.theirs, ...current.theirs],
          conflict: true,
        };
        widened = false;
        continue;
      }
      if (!current.conflict || widened) break;
      widenToLines(base, current);
      widened = true;
    }
    stack.push(current);
  }
  return stack;
}

function intersects(a: Region, b: Region): boolean {
  const aEmpty = a.start === a.end;
  const bEmpty = b.start === b.end;
  if (aEmpty && bEmpty) return a.start === b.start;
  if (aEmpty) return b.start < a.start && a.start < b.end;
  if (bEmpty) return a.start < b.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/**
 * Grow a region to whole lines of the base. Scans with the native indexOf / lastIndexOf: a
 * conflict that meets an already widened one is merged into it before widening (see
 * widenConflicts), so one long line is scanned about once, not once per edit in it.
 */
function widenToLines(base: string, region: Region): void {
  const lineStart = region.start > 0 ? base.lastIndexOf('\n', region.start - 1) + 1 : 0;
  // Insertions at the very start of a line (both sides adding lines in one place) need no
  // base line around them: git shows just the two insertions, and so do we.
  if (region.start === region.end && region.start === lineStart) return;
  region.start = lineStart;
  if (region.end > region.start && base.charCodeAt(region.end - 1) === 0x0a) return;
  const after = base.indexOf('\n', region.end);
  region.end = after === -1 ? base.length : after + 1;
}

/** `base.slice(start, end)` with `hunks` (sorted, disjoint, inside the range) applied. */
function applyHunks(base: string, start: number, end: number, hunks: Hunk[]): string {
  let out = '';
  let pos = start;
  for (const hunk of hunks) {
    out += base.slice(pos, hunk.start) + hunk.text;
    pos = hunk.end;
  }
  return out + base.slice(pos, end);
}

function render(base: string, regions: Region[]): AuthorMerge {
  const parts: string[] = [];
  const conflicts: Conflict[] = [];
  const editsOfMine: Hunk[] = [];
  let length = 0;
  let pos = 0;
  // Where `mine` has the base text at `p`, it has it at `p + mineShift` (regions so far).
  let mineShift = 0;
  const emit = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  for (const region of regions) {
    emit(base.slice(pos, region.start));
    pos = region.end;
    const ours = applyHunks(base, region.start, region.end, region.mine);
    const their = applyHunks(base, region.start, region.end, region.theirs);
    const original = base.slice(region.start, region.end);
    mineShift += ours.length - original.length;
    // A region only one side changed (or both the same way) is clean; `conflict` marks the rest.
    if (ours === their || their === original) {
      emit(ours);
      continue;
    }
    if (ours === original) {
      emit(their);
      for (const hunk of region.theirs)
        editsOfMine.push({ start: hunk.start + mineShift, end: hunk.end + mineShift, text: hunk.text });
      continue;
    }
    const eol = /\r\n/.test(original + ours + their) ? '\r\n' : '\n';
    const block =
      `<<<<<<< mine${eol}${terminate(ours, eol)}` +
      `=======${eol}${terminate(their, eol)}` +
      `>>>>>>> theirs${eol}`;
    conflicts.push({ base: original, mine: ours, theirs: their, start: length, end: length + block.length });
    emit(block);
  }
  emit(base.slice(pos));
  const clean = conflicts.length === 0;
  return { result: { clean, text: parts.join(''), conflicts }, editsOfMine: clean ? editsOfMine : [] };
}

/** Text followed by a line break, so the next marker starts its own line. */
function terminate(text: string, eol: string): string {
  return text.length === 0 || text.endsWith('\n') ? text : text + eol;
}
