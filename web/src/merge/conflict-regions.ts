import type { Conflict, MergeResult } from '@concord/shared';
import { chosenText, conflictBlocks, type ConflictChoice } from './conflict-resolution.util';

/**
 * Where one conflict stands in the merged result the user is editing:
 * - `open`: its marker block sits at [start, end);
 * - `chosen`: the text of `choice` sits there;
 * - `edited`: the text there was changed by hand (an edit inside the region);
 * - `lost`: an edit ran across the region's edge (a selection spanning it and the text around
 *   it was replaced), so where it ends is no longer known: resolved by hand, and not undoable.
 */
export type RegionStatus = 'open' | 'chosen' | 'edited' | 'lost';

export interface ConflictRegion {
  status: RegionStatus;
  /** Set while `chosen`, and kept through hand edits so that undoing one brings the choice back. */
  choice: ConflictChoice | null;
  /** [start, end) in the result; -1 when `lost`. */
  start: number;
  end: number;
}

/** One contiguous replacement: [from, to) of the old text became `insert`. */
export interface TextEdit {
  from: number;
  to: number;
  insert: string;
}

/** What the dialog keeps about a merge: the result, each conflict's region in it, and the blocks. */
export interface ResolutionState {
  text: string;
  regions: readonly ConflictRegion[];
}

export function isResolved(region: ConflictRegion): boolean {
  return region.status !== 'open';
}

export function canUndo(region: ConflictRegion): boolean {
  return region.status === 'chosen' || region.status === 'edited';
}

export function openCount(regions: readonly ConflictRegion[]): number {
  let open = 0;
  for (const region of regions) if (region.status === 'open') open += 1;
  return open;
}

/** The regions of the server's merge as it came: every conflict open, where the merge put it. */
export function initialRegions(merge: MergeResult): ConflictRegion[] {
  return merge.conflicts.map((conflict) => ({
    status: 'open',
    choice: null,
    start: conflict.start,
    end: conflict.end,
  }));
}

/**
 * The regions of a result whose history is unknown (the dialog reopened on a result kept
 * elsewhere): each marker block still there, searched for in order so that two identical blocks
 * are told apart, is open; the others were resolved somewhere the dialog cannot tell.
 */
export function regionsFromText(merge: MergeResult, text: string): ConflictRegion[] {
  const blocks = conflictBlocks(merge);
  let from = 0;
  return blocks.map((block) => {
    const at = text.indexOf(block, from);
    if (at < 0) return { status: 'lost', choice: null, start: -1, end: -1 };
    from = at + block.length;
    return { status: 'open', choice: null, start: at, end: at + block.length };
  });
}

/**
 * The one contiguous edit that turns `before` into `after` (a keystroke, a paste, a cut). The
 * caret after the edit, when known, places an ambiguous edit (typing "a" after "a") where it was
 * made, so that typing right after a region is not taken for an edit inside it.
 */
export function editBetween(before: string, after: string, caret?: number): TextEdit {
  const shorter = Math.min(before.length, after.length);
  const samePrefix = (limit: number) => {
    let length = 0;
    while (length < limit && before.charCodeAt(length) === after.charCodeAt(length)) length += 1;
    return length;
  };
  const sameSuffix = (limit: number) => {
    let length = 0;
    while (
      length < limit &&
      before.charCodeAt(before.length - 1 - length) === after.charCodeAt(after.length - 1 - length)
    )
      length += 1;
    return length;
  };
  let prefix: number;
  let suffix: number;
  if (caret === undefined) {
    prefix = samePrefix(shorter);
    suffix = sameSuffix(shorter - prefix);
  } else {
    // The edit ends at the caret: what follows the caret is the unchanged end.
    suffix = sameSuffix(Math.min(shorter, Math.max(0, after.length - caret)));
    prefix = samePrefix(shorter - suffix);
  }
  return { from: prefix, to: before.length - suffix, insert: after.slice(prefix, after.length - suffix) };
}

function statusOf(
  text: string,
  block: string,
  conflict: Conflict,
  choice: ConflictChoice | null,
): RegionStatus {
  if (text === block) return 'open';
  if (choice !== null && text === chosenText(conflict, choice)) return 'chosen';
  return 'edited';
}

/**
 * The regions after a hand edit of the result (`after` is the new text). Regions wholly before or
 * after the edit only move; an edit inside one region changes that region (open → edited, or
 * back to open when its markers are whole again); an edit across a region's edge loses it.
 */
export function mapEdit(
  regions: readonly ConflictRegion[],
  edit: TextEdit,
  after: string,
  blocks: readonly string[],
  conflicts: readonly Conflict[],
): ConflictRegion[] {
  const delta = edit.insert.length - (edit.to - edit.from);
  return regions.map((region, index) => {
    if (region.status === 'lost') return region;
    // An insertion at a region's edge belongs to the text around it.
    if (edit.to <= region.start) {
      return delta === 0 ? region : { ...region, start: region.start + delta, end: region.end + delta };
    }
    if (edit.from >= region.end) return region;
    if (edit.from >= region.start && edit.to <= region.end) {
      const end = region.end + delta;
      const status = statusOf(after.slice(region.start, end), blocks[index], conflicts[index], region.choice);
      return { status, choice: status === 'open' ? null : region.choice, start: region.start, end };
    }
    return { status: 'lost', choice: null, start: -1, end: -1 };
  });
}

/** Replaces region `index` with `insert`, moving the regions after it. */
function replaceRegion(
  state: ResolutionState,
  index: number,
  insert: string,
  region: ConflictRegion,
): ResolutionState {
  const old = state.regions[index];
  const delta = insert.length - (old.end - old.start);
  const text = state.text.slice(0, old.start) + insert + state.text.slice(old.end);
  const regions = state.regions.map((other, at) => {
    if (at === index) return region;
    if (at < index || other.status === 'lost' || delta === 0) return other;
    return { ...other, start: other.start + delta, end: other.end + delta };
  });
  return { text, regions };
}

/** Resolves open conflict `index` with `choice`; null when it is not open (nothing to do). */
export function choose(
  state: ResolutionState,
  index: number,
  conflict: Conflict,
  block: string,
  choice: ConflictChoice,
): ResolutionState | null {
  const region = state.regions[index];
  if (region?.status !== 'open' || state.text.slice(region.start, region.end) !== block) return null;
  const insert = chosenText(conflict, choice);
  return replaceRegion(state, index, insert, {
    status: 'chosen',
    choice,
    start: region.start,
    end: region.start + insert.length,
  });
}

/**
 * Puts conflict `index` back the way the merge left it: its marker block replaces whatever was
 * chosen or typed in its place. Null when there is nothing to undo (open, or lost).
 */
export function undo(state: ResolutionState, index: number, block: string): ResolutionState | null {
  const region = state.regions[index];
  if (!region || !canUndo(region)) return null;
  return replaceRegion(state, index, block, {
    status: 'open',
    choice: null,
    start: region.start,
    end: region.start + block.length,
  });
}
