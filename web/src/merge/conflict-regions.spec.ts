import { threeWayMerge } from '@concord/shared';
import {
  choose,
  editBetween,
  initialRegions,
  mapEdit,
  openCount,
  regionsFromText,
  undo,
  type ResolutionState,
} from './conflict-regions';
import { conflictBlocks, hasConflictMarkers } from './conflict-resolution.util';

// Three paragraphs both sides changed differently, with untouched lines between them.
const base = 'Intro\none is plain.\nkeep\ntwo is plain.\nkeep\nthree is plain.\nOutro\n';
const mine = 'Intro\none is mine.\nkeep\ntwo is mine.\nkeep\nthree is mine.\nOutro\n';
const theirs = 'Intro\none is theirs.\nkeep\ntwo is theirs.\nkeep\nthree is theirs.\nOutro\n';
const merge = threeWayMerge(base, mine, theirs);
const blocks = conflictBlocks(merge);

function fresh(): ResolutionState {
  return { text: merge.text, regions: initialRegions(merge) };
}

/** Every region that claims a place holds what its status says. */
function expectConsistent(state: ResolutionState) {
  state.regions.forEach((region, index) => {
    if (region.status === 'open') expect(state.text.slice(region.start, region.end)).toBe(blocks[index]);
  });
}

function apply(state: ResolutionState, edit: { from: number; to: number; insert: string }): ResolutionState {
  const text = state.text.slice(0, edit.from) + edit.insert + state.text.slice(edit.to);
  return { text, regions: mapEdit(state.regions, edit, text, blocks, merge.conflicts) };
}

describe('conflict regions', () => {
  it('has three conflicts in its fixture, each block where the merge says', () => {
    expect(merge.conflicts).toHaveLength(3);
    expectConsistent(fresh());
    expect(openCount(fresh().regions)).toBe(3);
  });

  it('a choice replaces only its block and moves the regions after it', () => {
    const state = choose(fresh(), 1, merge.conflicts[1], blocks[1], 'theirs');
    expect(state).not.toBeNull();
    expect(state?.text).toBe(merge.text.replace(blocks[1], 'two is theirs.\n'));
    expect(state?.regions[1]).toMatchObject({ status: 'chosen', choice: 'theirs' });
    expect(state && state.text.slice(state.regions[1].start, state.regions[1].end)).toBe('two is theirs.\n');
    expectConsistent(state as ResolutionState);
    // Choosing again for a resolved conflict does nothing.
    expect(choose(state as ResolutionState, 1, merge.conflicts[1], blocks[1], 'mine')).toBeNull();
  });

  it('undo puts the markers back; a different choice then gives the right text, other conflicts untouched', () => {
    let state = fresh();
    state = choose(state, 0, merge.conflicts[0], blocks[0], 'mine') as ResolutionState;
    state = choose(state, 1, merge.conflicts[1], blocks[1], 'both') as ResolutionState;
    state = choose(state, 2, merge.conflicts[2], blocks[2], 'theirs') as ResolutionState;
    const beforeUndo = state.regions;
    state = undo(state, 1, blocks[1]) as ResolutionState;
    expect(state.regions[1]).toEqual({
      status: 'open',
      choice: null,
      start: beforeUndo[1].start,
      end: beforeUndo[1].start + blocks[1].length,
    });
    expect(state.text).toBe(`Intro\none is mine.\nkeep\n${blocks[1]}keep\nthree is theirs.\nOutro\n`);
    // The others keep their choices and still cover exactly their text.
    expect(state.regions[0]).toEqual(beforeUndo[0]);
    expect(state.regions[2]).toMatchObject({ status: 'chosen', choice: 'theirs' });
    expect(state.text.slice(state.regions[2].start, state.regions[2].end)).toBe('three is theirs.\n');
    expectConsistent(state);
    expect(undo(state, 1, blocks[1])).toBeNull();

    state = choose(state, 1, merge.conflicts[1], blocks[1], 'theirs') as ResolutionState;
    expect(state.text).toBe('Intro\none is mine.\nkeep\ntwo is theirs.\nkeep\nthree is theirs.\nOutro\n');
    expect(hasConflictMarkers(state.text)).toBe(false);
    // Undoing every conflict gives the merge's text back, byte for byte.
    for (const index of [2, 0, 1]) state = undo(state, index, blocks[index]) as ResolutionState;
    expect(state.text).toBe(merge.text);
    expect(state.regions).toEqual(initialRegions(merge));
  });

  it('tells two identical conflicts apart by position', () => {
    const twice = threeWayMerge('a\nx\nb\nx\nc\n', 'a\ny\nb\ny\nc\n', 'a\nz\nb\nz\nc\n');
    const twiceBlocks = conflictBlocks(twice);
    expect(twiceBlocks).toHaveLength(2);
    expect(twiceBlocks[0]).toBe(twiceBlocks[1]);
    let state: ResolutionState = { text: twice.text, regions: initialRegions(twice) };
    state = choose(state, 1, twice.conflicts[1], twiceBlocks[1], 'theirs') as ResolutionState;
    expect(state.text).toBe(`a\n${twiceBlocks[0]}b\nz\nc\n`);
    expect(state.regions.map((region) => region.status)).toEqual(['open', 'chosen']);
    state = choose(state, 0, twice.conflicts[0], twiceBlocks[0], 'mine') as ResolutionState;
    state = undo(state, 1, twiceBlocks[1]) as ResolutionState;
    expect(state.text).toBe(`a\ny\nb\n${twiceBlocks[1]}c\n`);
  });

  describe('hand edits of the result', () => {
    it('move the regions after them and leave the ones before alone', () => {
      const start = fresh();
      const at = merge.text.indexOf('keep');
      const state = apply(start, { from: at, to: at, insert: 'well ' });
      expect(state.regions[0]).toEqual(start.regions[0]);
      expect(state.regions[1].start).toBe(start.regions[1].start + 5);
      expectConsistent(state);
      expect(openCount(state.regions)).toBe(3);
    });

    it('typing at a region’s edge is not an edit of the region', () => {
      const start = choose(fresh(), 0, merge.conflicts[0], blocks[0], 'mine') as ResolutionState;
      const { end } = start.regions[0];
      const afterEnd = apply(start, { from: end, to: end, insert: 'X' });
      expect(afterEnd.regions[0]).toEqual(start.regions[0]);
      const { start: begin } = start.regions[1];
      const beforeStart = apply(start, { from: begin, to: begin, insert: 'Y' });
      expect(beforeStart.regions[1]).toMatchObject({ status: 'open', start: begin + 1 });
    });

    it('an edit inside a region resolves it by hand, and undo restores its markers', () => {
      const start = fresh();
      const region = start.regions[1];
      // Delete the first marker line of conflict 2 by hand.
      const firstLine = blocks[1].indexOf('\n') + 1;
      let state = apply(start, { from: region.start, to: region.start + firstLine, insert: '' });
      expect(state.regions[1]).toMatchObject({
        status: 'edited',
        start: region.start,
        end: region.end - firstLine,
      });
      expect(openCount(state.regions)).toBe(2);
      expectConsistent(state);
      state = undo(state, 1, blocks[1]) as ResolutionState;
      expect(state.text).toBe(merge.text);
      expect(state.regions).toEqual(start.regions);
    });

    it('an edit inside a chosen region keeps it undoable; undoing the edit brings the choice back', () => {
      const chosen = choose(fresh(), 0, merge.conflicts[0], blocks[0], 'theirs') as ResolutionState;
      const { start } = chosen.regions[0];
      const edited = apply(chosen, { from: start, to: start + 3, insert: 'ONE' });
      expect(edited.regions[0]).toMatchObject({ status: 'edited', choice: 'theirs' });
      const back = apply(edited, { from: start, to: start + 3, insert: 'one' });
      expect(back.regions[0]).toMatchObject({ status: 'chosen', choice: 'theirs' });
      // Restoring the markers by hand reopens the conflict.
      const reopened = apply(back, { from: start, to: back.regions[0].end, insert: blocks[0] });
      expect(reopened.regions[0]).toMatchObject({ status: 'open', choice: null });
    });

    it('an edit across regions’ edges loses them (resolved by hand, nothing to undo)', () => {
      const start = fresh();
      const state = apply(start, {
        from: start.regions[0].start + 2,
        to: start.regions[1].start + 2,
        insert: '',
      });
      expect(state.regions.map((region) => region.status)).toEqual(['lost', 'lost', 'open']);
      expect(undo(state, 0, blocks[0])).toBeNull();
      expectConsistent(state);
      const cleared = apply(start, { from: 0, to: start.text.length, insert: 'Rewritten.' });
      expect(cleared.regions.every((region) => region.status === 'lost')).toBe(true);
      expect(openCount(cleared.regions)).toBe(0);
    });
  });

  describe('editBetween', () => {
    it('finds the one replacement between two texts', () => {
      expect(editBetween('hello world', 'hello brave world')).toEqual({ from: 6, to: 6, insert: 'brave ' });
      expect(editBetween('hello world', 'hello')).toEqual({ from: 5, to: 11, insert: '' });
      expect(editBetween('abc', 'aXc')).toEqual({ from: 1, to: 2, insert: 'X' });
      expect(editBetween('same', 'same')).toEqual({ from: 4, to: 4, insert: '' });
    });

    it('places an ambiguous insertion at the caret', () => {
      // Without the caret an "a" typed into "aa" looks typed at the end.
      expect(editBetween('aa', 'aaa')).toEqual({ from: 2, to: 2, insert: 'a' });
      expect(editBetween('aaa', 'aa', 1)).toEqual({ from: 1, to: 2, insert: '' });
      expect(editBetween('aa', 'aaa', 1)).toEqual({ from: 0, to: 0, insert: 'a' });
      expect(editBetween('aa', 'aaa', 2)).toEqual({ from: 1, to: 1, insert: 'a' });
    });
  });

  it('finds the open conflicts in a result kept without its history, in order', () => {
    const state = choose(fresh(), 0, merge.conflicts[0], blocks[0], 'mine') as ResolutionState;
    const regions = regionsFromText(merge, state.text);
    expect(regions.map((region) => region.status)).toEqual(['lost', 'open', 'open']);
    expectConsistent({ text: state.text, regions });
  });
});
