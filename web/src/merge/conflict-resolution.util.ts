import type { Conflict, MergeResult } from '@concord/shared';

export type ConflictChoice = 'mine' | 'theirs' | 'both';

/** The marker block of each conflict as it stands in the merge's text. */
export function conflictBlocks(merge: MergeResult): string[] {
  return merge.conflicts.map((conflict) => merge.text.slice(conflict.start, conflict.end));
}

/** Both sides, mine first; separated so two words or two lines do not run together. */
export function keepBoth(conflict: Conflict): string {
  const { mine, theirs } = conflict;
  if (mine === '' || theirs === '' || mine.endsWith('\n') || /^\s/.test(theirs) || /\s$/.test(mine)) return mine + theirs;
  return mine.includes('\n') || theirs.includes('\n') ? `${mine}\n${theirs}` : `${mine} ${theirs}`;
}

export function chosenText(conflict: Conflict, choice: ConflictChoice): string {
  switch (choice) {
    case 'mine':
      return conflict.mine;
    case 'theirs':
      return conflict.theirs;
    case 'both':
      return keepBoth(conflict);
  }
}

const MARKER = /^(<<<<<<<|=======|>>>>>>>)( |$)/m;

/** True while the text still holds git-style conflict markers. */
export function hasConflictMarkers(text: string): boolean {
  return MARKER.test(text);
}
