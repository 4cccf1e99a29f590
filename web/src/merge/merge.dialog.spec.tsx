import '@testing-library/jest-dom';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { threeWayMerge, type ConcordDocument } from '@concord/shared';
import type { ConflictState } from '../editor/sync.machine';
import { exactTime } from '../ui/relative-time.util';
import { MergeDialog } from './merge.dialog';

// The real formatting, counted: each conflict card formats their save's time once per render.
jest.mock('../ui/relative-time.util', () => {
  const actual = jest.requireActual<typeof import('../ui/relative-time.util')>('../ui/relative-time.util');
  return { ...actual, exactTime: jest.fn(actual.exactTime) };
});

const base = 'Title\n\nThe cat sat on the mat.\n\nMiddle stays.\n\nIt was a sunny day.\n';
const mine = 'Title\n\nThe dog sat on the mat.\n\nMiddle stays.\n\nIt was a rainy day.\n';
const theirs = 'Title\n\nThe bird sat on the mat.\n\nMiddle stays.\n\nIt was a foggy day.\n';

function theirsDoc(): ConcordDocument {
  return {
    id: '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11',
    title: 'Story',
    slug: 'story',
    content: theirs,
    version: 7,
    state: 'active',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: new Date(Date.now() - 3 * 60_000).toISOString(),
    updatedBy: { id: '5d3c1c1e-2222-4a8e-9d53-3f1f2b6f4a11', username: 'bob', displayName: 'Bob Builder' },
    etag: '"x.v7"',
  };
}

function conflictState(overrides: Partial<ConflictState> = {}): ConflictState {
  return { baseVersion: 6, base, mine, theirs: theirsDoc(), merge: threeWayMerge(base, mine, theirs), newerEdits: [], ...overrides };
}

function setup(conflict = conflictState()) {
  const handlers = { onSave: jest.fn(), onOverwrite: jest.fn(), onDiscard: jest.fn(), onClose: jest.fn() };
  render(<MergeDialog conflict={conflict} {...handlers} />);
  return { handlers, user: userEvent.setup(), dialog: screen.getByRole('dialog', { name: 'Resolve conflicts' }) };
}

function result(): HTMLTextAreaElement {
  return screen.getByLabelText('Merged result');
}

/** A merge with `count` conflicts: one line per paragraph that both sides changed differently. */
function manyConflicts(count: number): ConflictState {
  const lines = (word: string) => Array.from({ length: count }, (_, i) => `Line ${i} is ${word}.\nkeep ${i}\n`).join('');
  const [manyBase, manyMine, manyTheirs] = [lines('plain'), lines('mine'), lines('theirs')];
  return conflictState({ base: manyBase, mine: manyMine, merge: threeWayMerge(manyBase, manyMine, manyTheirs) });
}

/** The card of conflict `index` (0-based) when it is drawn, else null (a placeholder or nothing). */
function card(index: number): HTMLElement | null {
  return document.querySelector<HTMLElement>(`li[data-index="${index}"]:not([data-placeholder])`);
}

function drawnCards(): number {
  return document.querySelectorAll('ol[aria-label="Conflicts"] > li:not([data-placeholder])').length;
}

describe('MergeDialog', () => {
  it('has two real conflicts in its fixture', () => {
    expect(conflictState().merge.clean).toBe(false);
    expect(conflictState().merge.conflicts).toHaveLength(2);
  });

  it('is a modal dialog named "Resolve conflicts" that shows base, theirs (who and when) and mine for each conflict', () => {
    const { dialog } = setup();
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    const conflicts = within(dialog).getAllByRole('listitem');
    expect(conflicts).toHaveLength(2);
    const first = conflicts[0];
    expect(within(first).getByRole('region', { name: 'Base' })).toHaveTextContent('cat');
    expect(within(first).getByRole('region', { name: 'Theirs' })).toHaveTextContent(/Bob Builder.*3 minutes ago.*bird/);
    expect(within(first).getByRole('region', { name: 'Mine' })).toHaveTextContent('dog');
    expect(dialog).toHaveTextContent('Bob Builder saved version 7');
    // Focus moved into the dialog.
    expect(dialog.contains(document.activeElement)).toBe(true);
  });

  it('does not let an unresolved result be saved', () => {
    setup();
    expect(result().value).toContain('<<<<<<<');
    expect(screen.getByRole('button', { name: 'Save merged version' })).toBeDisabled();
    expect(screen.getByText(/2 conflicts left/)).toBeInTheDocument();
  });

  it('resolves each conflict with Keep mine / Take theirs and saves the resulting text', async () => {
    const { user, handlers } = setup();
    const [first, second] = screen.getAllByRole('group');
    await user.click(within(first).getByRole('button', { name: 'Keep mine' }));
    // The resolved conflict keeps no choice buttons, only Undo; focus moves on to the next conflict's.
    expect(within(first).getAllByRole('button').map((button) => button.textContent)).toEqual(['Undo']);
    expect(within(first).getByText('Resolved · kept mine')).toBeInTheDocument();
    expect(document.activeElement).toBe(within(second).getByRole('button', { name: 'Keep mine' }));
    expect(screen.getByRole('button', { name: 'Save merged version' })).toBeDisabled();
    await user.click(within(second).getByRole('button', { name: 'Take theirs' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Save merged version' }));
    expect(result().value).toBe('Title\n\nThe dog sat on the mat.\n\nMiddle stays.\n\nIt was a foggy day.\n');
    expect(screen.getByText('All conflicts resolved.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save merged version' }));
    expect(handlers.onSave).toHaveBeenCalledWith('Title\n\nThe dog sat on the mat.\n\nMiddle stays.\n\nIt was a foggy day.\n');
  });

  it('keeps both sides, mine first, without running words together', async () => {
    const { user } = setup();
    const [first, second] = screen.getAllByRole('group');
    await user.click(within(first).getByRole('button', { name: 'Keep both' }));
    await user.click(within(second).getByRole('button', { name: 'Keep both' }));
    const text = result().value;
    expect(text).not.toMatch(/<<<<<<<|>>>>>>>|=======/);
    expect(text.indexOf('dog')).toBeLessThan(text.indexOf('bird'));
    expect(text.indexOf('rainy')).toBeLessThan(text.indexOf('foggy'));
    expect(text).not.toMatch(/dogbird|rainyfoggy/);
  });

  it('lets the result be edited freely, and the conflict buttons still work after editing elsewhere', async () => {
    const { user, handlers } = setup();
    const area = result();
    // Type at the very start of the result: the conflict blocks move but are still found.
    area.setSelectionRange(0, 0);
    await user.type(area, 'My ', { initialSelectionStart: 0, initialSelectionEnd: 0 });
    expect(area.value.startsWith('My Title')).toBe(true);
    const [first, second] = screen.getAllByRole('group');
    await user.click(within(first).getByRole('button', { name: 'Take theirs' }));
    await user.click(within(second).getByRole('button', { name: 'Keep mine' }));
    await user.click(screen.getByRole('button', { name: 'Save merged version' }));
    expect(handlers.onSave).toHaveBeenCalledWith('My Title\n\nThe bird sat on the mat.\n\nMiddle stays.\n\nIt was a rainy day.\n');
  });

  it('accepts a result typed entirely by hand', async () => {
    const { user, handlers } = setup();
    await user.clear(result());
    await user.type(result(), 'Rewritten.');
    await user.click(screen.getByRole('button', { name: 'Save merged version' }));
    expect(handlers.onSave).toHaveBeenCalledWith('Rewritten.');
  });

  it('offers Overwrite with mine with a warning, and Discard mine', async () => {
    const { user, handlers } = setup();
    const overwrite = screen.getByRole('button', { name: 'Overwrite with mine' });
    expect(overwrite).toHaveAccessibleDescription(/replaces the whole document.*Bob Builder/);
    await user.click(overwrite);
    expect(handlers.onOverwrite).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: 'Discard mine' }));
    expect(handlers.onDiscard).toHaveBeenCalledTimes(1);
  });

  it('says when others changed the document again while it is open', () => {
    setup(
      conflictState({
        newerEdits: [{ version: 8, author: { id: '5d3c1c1e-3333-4a8e-9d53-3f1f2b6f4a11', username: 'carol', displayName: 'Carol' }, at: new Date().toISOString() }],
      }),
    );
    expect(screen.getByRole('note')).toHaveTextContent(/Carol changed the document again.*version 8.*merged in when you save/);
  });

  it('hands every change of the result up, and reopens with the result as it was left', async () => {
    const onResultChange = jest.fn();
    const handlers = { onSave: jest.fn(), onOverwrite: jest.fn(), onDiscard: jest.fn(), onClose: jest.fn() };
    const conflict = conflictState();
    const { unmount } = render(<MergeDialog conflict={conflict} onResultChange={onResultChange} {...handlers} />);
    await userEvent.setup().click(within(screen.getAllByRole('group')[0]).getByRole('button', { name: 'Keep mine' }));
    const left = onResultChange.mock.calls.at(-1)?.[0] as string;
    expect(left).toBe(result().value);
    unmount();
    render(<MergeDialog conflict={conflict} result={left} {...handlers} />);
    expect(result().value).toBe(left);
    expect(within(screen.getAllByRole('group')[0]).getByText('Resolved · kept mine')).toBeInTheDocument();
  });

  it('gives focus on closing to returnFocusTo when it opened by itself', () => {
    const fallback = document.createElement('button');
    document.body.append(fallback);
    const handlers = { onSave: jest.fn(), onOverwrite: jest.fn(), onDiscard: jest.fn(), onClose: jest.fn() };
    const { unmount } = render(<MergeDialog conflict={conflictState()} returnFocusTo={() => fallback} {...handlers} />);
    unmount();
    expect(document.activeElement).toBe(fallback);
    fallback.remove();
  });

  it('closes on Escape and keeps Tab inside the dialog', async () => {
    const { user, handlers, dialog } = setup();
    for (let i = 0; i < 20; i += 1) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    await user.keyboard('{Escape}');
    expect(handlers.onClose).toHaveBeenCalledTimes(1);
  });

  it('with hundreds of conflicts, a choice or a keystroke in the result re-renders only the card it changes', async () => {
    const many = manyConflicts(200);
    expect(many.merge.conflicts).toHaveLength(200);
    const { user, dialog } = setup(many);
    const cardsRendered = jest.mocked(exactTime);
    cardsRendered.mockClear();
    // Not getAllByRole: computing two hundred cards' accessible names takes jsdom seconds.
    await user.click(within(dialog).getAllByText('Keep mine')[0]);
    expect(within(dialog).getAllByText(/^Resolved/)).toHaveLength(1);
    await user.type(result(), 'x');
    // The lead paragraph's time, and the chosen card's own: not two hundred.
    expect(cardsRendered.mock.calls.length).toBeLessThan(10);
  }, 20_000);

  describe('undo', () => {
    it('puts a chosen conflict back, so it can be chosen differently; the text ends up right', async () => {
      const { user, handlers } = setup();
      const original = result().value;
      const [first, second] = screen.getAllByRole('group');
      await user.click(within(first).getByRole('button', { name: 'Keep mine' }));
      expect(result().value).toContain('The dog sat');
      await user.click(within(first).getByRole('button', { name: 'Undo' }));
      // Markers back exactly as the merge wrote them, the choices back, and focus on them.
      expect(result().value).toBe(original);
      expect(within(first).queryByRole('button', { name: 'Undo' })).toBeNull();
      expect(document.activeElement).toBe(within(first).getByRole('button', { name: 'Keep mine' }));
      expect(screen.getByText(/2 conflicts left/)).toBeInTheDocument();
      await user.click(within(first).getByRole('button', { name: 'Take theirs' }));
      await user.click(within(second).getByRole('button', { name: 'Keep mine' }));
      await user.click(screen.getByRole('button', { name: 'Save merged version' }));
      expect(handlers.onSave).toHaveBeenCalledWith('Title\n\nThe bird sat on the mat.\n\nMiddle stays.\n\nIt was a rainy day.\n');
    });

    it('undoes one conflict without touching the others, whatever order they were chosen in', async () => {
      const { user, handlers } = setup();
      const [first, second] = screen.getAllByRole('group');
      await user.click(within(second).getByRole('button', { name: 'Take theirs' }));
      await user.click(within(first).getByRole('button', { name: 'Keep both' }));
      expect(screen.getByText('All conflicts resolved.')).toBeInTheDocument();
      await user.click(within(first).getByRole('button', { name: 'Undo' }));
      expect(within(second).getByText('Resolved · took theirs')).toBeInTheDocument();
      expect(result().value).toMatch(/^Title\n\n<<<<<<< mine\nThe dog sat on the mat\.\n=======\nThe bird sat on the mat\.\n>>>>>>> theirs\n\nMiddle stays\.\n\nIt was a foggy day\.\n$/);
      expect(screen.getByRole('button', { name: 'Save merged version' })).toBeDisabled();
      await user.click(within(first).getByRole('button', { name: 'Keep mine' }));
      await user.click(screen.getByRole('button', { name: 'Save merged version' }));
      expect(handlers.onSave).toHaveBeenCalledWith('Title\n\nThe dog sat on the mat.\n\nMiddle stays.\n\nIt was a foggy day.\n');
    });

    it('follows the conflicts through typing elsewhere in the result', async () => {
      const { user, handlers } = setup();
      const [first, second] = screen.getAllByRole('group');
      await user.click(within(second).getByRole('button', { name: 'Keep mine' }));
      await user.type(result(), 'My ', { initialSelectionStart: 0, initialSelectionEnd: 0 });
      const end = result().value.length;
      await user.type(result(), 'The end.', { initialSelectionStart: end, initialSelectionEnd: end });
      await user.click(within(second).getByRole('button', { name: 'Undo' }));
      await user.click(within(second).getByRole('button', { name: 'Take theirs' }));
      await user.click(within(first).getByRole('button', { name: 'Keep mine' }));
      await user.click(screen.getByRole('button', { name: 'Save merged version' }));
      expect(handlers.onSave).toHaveBeenCalledWith('My Title\n\nThe dog sat on the mat.\n\nMiddle stays.\n\nIt was a foggy day.\nThe end.');
    });

    it('puts back the markers of a conflict edited by hand in the result', async () => {
      const { user } = setup();
      const original = result().value;
      const at = original.indexOf('dog');
      await user.type(result(), 'cow', { initialSelectionStart: at, initialSelectionEnd: at + 3 });
      const [first] = screen.getAllByRole('group');
      expect(within(first).getByText('Resolved · edited in the result')).toBeInTheDocument();
      expect(screen.getByText(/1 conflict left/)).toBeInTheDocument();
      await user.click(within(first).getByRole('button', { name: 'Undo' }));
      expect(result().value).toBe(original);
    });

    it('a conflict whose edges were edited away has nothing to undo', async () => {
      const { user } = setup();
      await user.clear(result());
      await user.type(result(), 'Rewritten.');
      for (const group of screen.getAllByRole('group')) {
        expect(within(group).getByText('Resolved · edited in the result')).toBeInTheDocument();
        expect(within(group).queryByRole('button')).toBeNull();
      }
    });

    it('can still undo a choice after the dialog is closed and reopened', async () => {
      const onResultChange = jest.fn();
      const handlers = { onSave: jest.fn(), onOverwrite: jest.fn(), onDiscard: jest.fn(), onClose: jest.fn() };
      const conflict = conflictState();
      const { unmount } = render(<MergeDialog conflict={conflict} onResultChange={onResultChange} {...handlers} />);
      const original = result().value;
      await userEvent.setup().click(within(screen.getAllByRole('group')[0]).getByRole('button', { name: 'Take theirs' }));
      const left = onResultChange.mock.calls.at(-1)?.[0] as string;
      unmount();
      render(<MergeDialog conflict={conflict} result={left} {...handlers} />);
      const [first] = screen.getAllByRole('group');
      expect(within(first).getByText('Resolved · took theirs')).toBeInTheDocument();
      // Focus went to the conflict still open.
      expect(document.activeElement).toBe(within(screen.getAllByRole('group')[1]).getByRole('button', { name: 'Keep mine' }));
      await userEvent.setup().click(within(first).getByRole('button', { name: 'Undo' }));
      expect(result().value).toBe(original);
    });

    it('reopened on a result from elsewhere, finds the conflicts still open; the others cannot be undone', () => {
      const conflict = conflictState();
      const resolvedFirst = conflict.merge.text.replace(conflict.merge.text.slice(conflict.merge.conflicts[0].start, conflict.merge.conflicts[0].end), 'The cow sat on the mat.\n');
      const handlers = { onSave: jest.fn(), onOverwrite: jest.fn(), onDiscard: jest.fn(), onClose: jest.fn() };
      render(<MergeDialog conflict={conflictState()} result={resolvedFirst} {...handlers} />);
      const [first, second] = screen.getAllByRole('group');
      expect(within(first).queryByRole('button')).toBeNull();
      expect(within(second).getByRole('button', { name: 'Keep mine' })).toBeInTheDocument();
      expect(screen.getByText(/1 conflict left/)).toBeInTheDocument();
    });
  });

  describe('with hundreds of conflicts', () => {
    afterEach(() => {
      delete (window as { IntersectionObserver?: unknown }).IntersectionObserver;
    });

    it('draws only the first cards; every conflict is a list item, the first one’s buttons are there and focused', () => {
      const { dialog } = setup(manyConflicts(200));
      expect(dialog.querySelectorAll('ol[aria-label="Conflicts"] > li')).toHaveLength(200);
      expect(drawnCards()).toBeLessThanOrEqual(20);
      expect(document.activeElement).toBe(within(card(0) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      // A conflict not drawn yet is still there by name, and a Tab stop.
      const later = dialog.querySelector<HTMLElement>('li[data-index="150"]');
      expect(later).toHaveAttribute('data-placeholder');
      expect(later).toHaveAccessibleName('Conflict 151 of 200');
      expect(later).toHaveAttribute('tabindex', '0');
      expect(screen.getByText('200 conflicts left: resolve them (or remove the markers) before saving.')).toBeInTheDocument();
    });

    it('Previous / Next conflict (and Alt+Arrow keys) move focus from conflict to conflict, drawing them, with a count', async () => {
      const { user } = setup(manyConflicts(200));
      const navigation = screen.getByRole('navigation', { name: 'Move between conflicts' });
      expect(navigation).toHaveTextContent('Conflict 1 of 200');
      expect(within(navigation).getByRole('button', { name: 'Previous conflict' })).toBeDisabled();
      await user.click(within(navigation).getByRole('button', { name: 'Next conflict' }));
      expect(navigation).toHaveTextContent('Conflict 2 of 200');
      expect(document.activeElement).toBe(within(card(1) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      // Past the cards drawn at first: the next one is drawn on the way.
      for (let i = 0; i < 30; i += 1) await user.keyboard('{Alt>}{ArrowDown}{/Alt}');
      expect(navigation).toHaveTextContent('Conflict 32 of 200');
      expect(document.activeElement).toBe(within(card(31) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      await user.keyboard('{Alt>}{ArrowUp}{/Alt}');
      expect(navigation).toHaveTextContent('Conflict 31 of 200');
      expect(document.activeElement).toBe(within(card(30) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      // Tabbing onto a conflict not drawn yet draws it and moves on to its first button.
      const later = document.querySelector<HTMLElement>('li[data-index="150"]') as HTMLElement;
      act(() => later.focus());
      expect(document.activeElement).toBe(within(card(150) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      expect(navigation).toHaveTextContent('Conflict 151 of 200');
      // The last one: Next is disabled.
      act(() => (document.querySelector('li[data-index="199"]') as HTMLElement).focus());
      expect(within(navigation).getByRole('button', { name: 'Next conflict' })).toBeDisabled();
    }, 20_000);

    it('draws the cards the observer reports near the viewport', () => {
      const observers: { callback: IntersectionObserverCallback; targets: Set<Element> }[] = [];
      class FakeObserver {
        targets = new Set<Element>();
        constructor(public callback: IntersectionObserverCallback) {
          observers.push(this);
        }
        observe(target: Element) {
          this.targets.add(target);
        }
        unobserve(target: Element) {
          this.targets.delete(target);
        }
        disconnect() {
          this.targets.clear();
        }
      }
      (window as { IntersectionObserver?: unknown }).IntersectionObserver = FakeObserver;
      setup(manyConflicts(200));
      expect(observers).toHaveLength(1);
      const [observer] = observers;
      const drawnAtFirst = drawnCards();
      // Every conflict not drawn is watched.
      expect(observer.targets.size).toBe(200 - drawnAtFirst);
      const near = [...observer.targets].filter((target) => ['60', '61', '62'].includes((target as HTMLElement).dataset.index ?? ''));
      act(() =>
        observer.callback(
          near.map((target) => ({ target, isIntersecting: true }) as IntersectionObserverEntry),
          observer as unknown as IntersectionObserver,
        ),
      );
      expect(card(60)).not.toBeNull();
      expect(card(62)).not.toBeNull();
      expect(card(63)).toBeNull();
      expect(drawnCards()).toBe(drawnAtFirst + 3);
      // Drawn cards are no longer watched.
      expect(observer.targets.size).toBe(200 - drawnAtFirst - 3);
    });

    it('after a choice, focus moves to the next open conflict even when it was not drawn yet', async () => {
      const { user } = setup(manyConflicts(200));
      const lastDrawn = drawnCards() - 1;
      act(() => (document.querySelector(`li[data-index="${lastDrawn}"]`) as HTMLElement).focus());
      await user.click(within(card(lastDrawn) as HTMLElement).getByRole('button', { name: 'Take theirs' }));
      expect(card(lastDrawn + 1)).not.toBeNull();
      expect(document.activeElement).toBe(within(card(lastDrawn + 1) as HTMLElement).getByRole('button', { name: 'Keep mine' }));
      expect(screen.getByText(/199 conflicts left/)).toBeInTheDocument();
    });
  });
});
