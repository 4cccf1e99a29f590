import DiffMatchPatch from 'diff-match-patch';
import { type LineAlignment, lineRuns } from './line-runs';
import { type Budget, type Diff, myersDiff } from './myers';

/**
 * Work allowance (Myers steps) for one `computeDiff`. A step costs some 10–40 ns here, so
 * the two diffs of a merge that exhaust it stay inside the 150 ms event-loop limit. Real
 * documents need far less: a 1 MB Markdown file with 200 scattered edits about 1.1·10⁵ steps.
 * The line pass costs about D² for D changed lines, so past ~700 changed lines between the base
 * and one side, the changed middle becomes one replace run (a conflict if both sides edited).
 */
export const DIFF_BUDGET = 1_000_000;

/** More lines than this in the changed middle of a text skip the line pass. */
const MAX_LINES = 100_000;

/** Blocks larger than this (code units, both sides together) skip the character-level pass. */
const CHAR_BLOCK_LIMIT = 200_000;

/** One edit against the old text: `old.slice(start, end)` becomes `text`. */
export interface Hunk {
  start: number;
  end: number;
  text: string;
}

// Only the semantic cleanup is used: the diffing itself is `myersRuns` (see there why).
const dmp = new DiffMatchPatch();

/**
 * Diff two texts, deterministically and within a bounded amount of work.
 *
 * Strategy: strip the common prefix and suffix; diff the middle line by line (each line
 * hashed to one character with diff-match-patch's `diff_linesToChars_`); then re-diff each
 * changed block of lines character by character and apply diff-match-patch's semantic
 * cleanup to that block only, so an edit stays local to its lines. Every diff runs on the
 * shared step budget; when it runs out, the block (or the whole middle) stays one replace
 * run, which is still an exact diff — just a coarser one that may make a merge conflict
 * instead of merging, never one that loses text.
 */
export function computeDiff(
  a: string,
  b: string,
  budget: Budget = { remaining: DIFF_BUDGET },
  alignment: LineAlignment = 'shortest',
): Diff[] {
  if (a === b) return a.length > 0 ? [[0, a]] : [];
  // Trim the common ends back to line boundaries, so the line pass sees whole lines and an
  // edit is placed where a reader expects it ("line2\n" deleted, not "2\nline").
  let prefix = commonPrefix(a, b);
  prefix = prefix > 0 ? a.lastIndexOf('\n', prefix - 1) + 1 : 0;
  let suffix = commonSuffix(a, b, prefix);
  while (
    suffix > 0 &&
    !(a.charCodeAt(a.length - suffix - 1) === 0x0a && b.charCodeAt(b.length - suffix - 1) === 0x0a)
  ) {
    suffix--;
  }
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const out: Diff[] = [];
  if (prefix > 0) out.push([0, a.slice(0, prefix)]);
  for (const diff of diffMiddle(midA, midB, budget, alignment)) out.push(diff);
  if (suffix > 0) out.push([0, a.slice(a.length - suffix)]);
  return normalize(out);
}

function diffMiddle(a: string, b: string, budget: Budget, alignment: LineAlignment): Diff[] {
  if (a.length === 0 || b.length === 0) return a.length === 0 ? [[1, b]] : [[-1, a]];
  const lines = Math.max(countLines(a), countLines(b));
  if (lines === 0) return diffBlock(a, b, budget);
  // Hundreds of thousands of tiny lines (random text with many \n) would cost more to split
  // than the diff is worth: such a middle stays one replace run (see the budget above).
  if (lines > MAX_LINES)
    return [
      [-1, a],
      [1, b],
    ];
  // Each distinct line gets an id (the line pass then compares integers).
  const linesA = a.split('\n');
  const linesB = b.split('\n');
  const startsA = lineStarts(linesA);
  const startsB = lineStarts(linesB);
  const ids = new Map<string, number>();
  const toIds = (lines: string[], terminated: boolean): Int32Array => {
    const count = terminated ? lines.length - 1 : lines.length;
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let id = ids.get(lines[i]);
      if (id === undefined) {
        id = ids.size;
        ids.set(lines[i], id);
      }
      // The unterminated last line: the same content, but negative, so it equals no line
      // that ends with a break.
      out[i] = i === lines.length - 1 ? -1 - id : id;
    }
    return out;
  };
  const idsA = toIds(linesA, a.endsWith('\n'));
  const idsB = toIds(linesB, b.endsWith('\n'));
  const lineDiff = lineRuns(idsA, idsB, ids.size, budget, alignment);
  if (lineDiff === null)
    return [
      [-1, a],
      [1, b],
    ];
  const out: Diff[] = [];
  let deleted = '';
  let inserted = '';
  const flush = (): void => {
    if (deleted.length > 0 || inserted.length > 0) out.push(...diffBlock(deleted, inserted, budget));
    deleted = '';
    inserted = '';
  };
  for (const { op, from, to } of lineDiff) {
    const text = op === 1 ? b.slice(startsB[from], startsB[to]) : a.slice(startsA[from], startsA[to]);
    if (op === 0) {
      flush();
      out.push([0, text]);
    } else if (op === -1) deleted += text;
    else inserted += text;
  }
  flush();
  return out;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && count <= MAX_LINES; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Offset of each line of the text `lines` came from, plus one past the end. */
function lineStarts(lines: string[]): number[] {
  const starts = new Array<number>(lines.length + 1);
  let pos = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = pos;
    pos += lines[i].length + 1;
  }
  starts[lines.length] = pos - 1;
  return starts;
}

function diffBlock(a: string, b: string, budget: Budget): Diff[] {
  if (a.length === 0) return b.length === 0 ? [] : [[1, b]];
  if (b.length === 0) return [[-1, a]];
  if (a.length + b.length > CHAR_BLOCK_LIMIT)
    return [
      [-1, a],
      [1, b],
    ];
  const diffs = myersDiff(a, b, budget);
  if (diffs === null)
    return [
      [-1, a],
      [1, b],
    ];
  // Semantic cleanup folds chance one-letter matches ("chaff") into the edits around them, so
  // a rewritten phrase is one edit rather than a comb of tiny ones that could interleave with
  // the other side's edits and "merge" into nonsense.
  dmp.diff_cleanupSemantic(diffs);
  return diffs;
}

/** Merge adjacent runs of one kind, drop empty runs, put deletes before inserts. */
function normalize(diffs: Diff[]): Diff[] {
  const out: Diff[] = [];
  let del = '';
  let ins = '';
  for (const [op, text] of diffs) {
    if (text.length === 0) continue;
    if (op === -1) del += text;
    else if (op === 1) ins += text;
    else {
      if (del) out.push([-1, del]);
      if (ins) out.push([1, ins]);
      del = '';
      ins = '';
      const last = out[out.length - 1];
      if (last !== undefined && last[0] === 0) last[1] += text;
      else out.push([0, text]);
    }
  }
  if (del) out.push([-1, del]);
  if (ins) out.push([1, ins]);
  return out;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, prefix: number): number {
  const n = Math.min(a.length, b.length) - prefix;
  let i = 0;
  while (i < n && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** True when `index` falls between the two halves of a surrogate pair of `text`. */
export function splitsPair(text: string, index: number): boolean {
  return (
    index > 0 &&
    index < text.length &&
    isHighSurrogate(text.charCodeAt(index - 1)) &&
    isLowSurrogate(text.charCodeAt(index))
  );
}

/**
 * The edits of `diffs` (a diff of `a` into `b`) as hunks against `a`, each widened so that no
 * hunk boundary falls inside a surrogate pair of either text. Diffs work on UTF-16 code units
 * and happily cut 😀 (U+D83D U+DE00) in half when the other side has 😁 (U+D83D U+DE01); a
 * boundary is only ever inside a pair when the common character next to it is a surrogate
 * half, so taking that common half into the hunk on both sides fixes it.
 */
export function diffToHunks(a: string, diffs: Diff[]): Hunk[] {
  const hunks: Hunk[] = [];
  let pos = 0;
  let current: Hunk | null = null;
  const close = (): void => {
    if (current === null) return;
    const hunk: Hunk = current;
    current = null;
    if (hunk.start > 0 && isHighSurrogate(a.charCodeAt(hunk.start - 1))) {
      hunk.start -= 1;
      hunk.text = a.charAt(hunk.start) + hunk.text;
    }
    if (hunk.end < a.length && isLowSurrogate(a.charCodeAt(hunk.end))) {
      hunk.text += a.charAt(hunk.end);
      hunk.end += 1;
    }
    const last = hunks[hunks.length - 1];
    if (last !== undefined && last.end >= hunk.start) {
      last.text += a.slice(last.end, hunk.start) + hunk.text;
      last.end = hunk.end;
    } else hunks.push(hunk);
  };
  for (const [op, text] of diffs) {
    if (op === 0) {
      close();
      pos += text.length;
      continue;
    }
    current ??= { start: pos, end: pos, text: '' };
    if (op === -1) {
      pos += text.length;
      current.end = pos;
    } else current.text += text;
  }
  close();
  return hunks;
}

/** The hunks of turning `a` into `b`: surrogate-safe, deterministic, bounded work. */
export function diffHunks(a: string, b: string, budget?: Budget, alignment?: LineAlignment): Hunk[] {
  return diffToHunks(a, computeDiff(a, b, budget, alignment));
}
