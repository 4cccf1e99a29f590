import '@testing-library/jest-dom';
import { render, screen, within } from '@testing-library/react';
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
    // The resolved conflict keeps no buttons; focus moves on to the next conflict's.
    expect(within(first).queryByRole('button')).toBeNull();
    expect(within(first).getByText('Resolved')).toBeInTheDocument();
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
    expect(within(screen.getAllByRole('group')[0]).getByText('Resolved')).toBeInTheDocument();
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
    const lines = (word: string) => Array.from({ length: 200 }, (_, i) => `Line ${i} is ${word}.\nkeep ${i}\n`).join('');
    const [manyBase, manyMine, manyTheirs] = [lines('plain'), lines('mine'), lines('theirs')];
    const many = conflictState({ base: manyBase, mine: manyMine, merge: threeWayMerge(manyBase, manyMine, manyTheirs) });
    expect(many.merge.conflicts).toHaveLength(200);
    const { user, dialog } = setup(many);
    const cardsRendered = jest.mocked(exactTime);
    cardsRendered.mockClear();
    // Not getAllByRole: computing two hundred cards' accessible names takes jsdom seconds.
    await user.click(within(dialog).getAllByText('Keep mine')[0]);
    expect(within(dialog).getAllByText('Resolved')).toHaveLength(1);
    await user.type(result(), 'x');
    // The lead paragraph's time, and the chosen card's own: not two hundred.
    expect(cardsRendered.mock.calls.length).toBeLessThan(10);
  }, 20_000);
});
