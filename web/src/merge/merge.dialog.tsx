import { memo, useCallback, useEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import type { Conflict, MergeResult } from '@concord/shared';
import { presentableDiff } from '@codemirror/merge';
import type { ConflictState } from '../editor/sync.machine';
import { Modal } from '../ui/modal.component';
import { exactTime, relativeTime } from '../ui/relative-time.util';
import {
  choose as resolveConflict,
  editBetween,
  initialRegions,
  mapEdit,
  openCount,
  regionsFromText,
  undo as undoConflict,
  type ConflictRegion,
  type RegionStatus,
  type ResolutionState,
} from './conflict-regions';
import { conflictBlocks, hasConflictMarkers, type ConflictChoice } from './conflict-resolution.util';

interface MergeDialogProps {
  conflict: ConflictState;
  /** The merged result as the user left it when they last closed this dialog (default: the server's merge). */
  result?: string;
  /** Every change of the merged result, so closing the dialog does not throw the work away. */
  onResultChange?: (text: string) => void;
  busy?: boolean;
  error?: string | null;
  onSave: (text: string) => void;
  onOverwrite: () => void;
  onDiscard: () => void;
  onClose: () => void;
  /** See Modal: the dialog opens by itself, so it has no opener to give focus back to. */
  returnFocusTo?: () => HTMLElement | null | undefined;
}

/**
 * One side of a conflict, with what it changed against the base highlighted; an empty side
 * says so, so "nothing" is not mistaken for a rendering glitch.
 */
function Side({ text, base }: { text: string; base?: string }) {
  const parts = useMemo(() => {
    if (base === undefined) return [{ text, changed: false }];
    const out: { text: string; changed: boolean }[] = [];
    let at = 0;
    for (const change of presentableDiff(base, text)) {
      if (change.fromB > at) out.push({ text: text.slice(at, change.fromB), changed: false });
      if (change.toB > change.fromB) out.push({ text: text.slice(change.fromB, change.toB), changed: true });
      at = change.toB;
    }
    if (at < text.length) out.push({ text: text.slice(at), changed: false });
    return out;
  }, [text, base]);
  if (text === '') return <em className="empty-side">(nothing)</em>;
  return <pre>{parts.map((part, index) => (part.changed ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}</pre>;
}

const RESOLVED_AS: Record<ConflictChoice, string> = { mine: 'kept mine', theirs: 'took theirs', both: 'kept both' };

interface ConflictCardProps {
  item: Conflict;
  index: number;
  status: RegionStatus;
  choice: ConflictChoice | null;
  baseVersion: number;
  who: string;
  updatedAt: string;
  autoFocus: boolean;
  onChoose: (index: number, choice: ConflictChoice) => void;
  onUndo: (index: number) => void;
}

/**
 * One conflict: memoised, so a choice or a keystroke in the merged result re-renders the card it
 * touches, not all of them (with hundreds of conflicts each choice used to take over 100 ms).
 */
const ConflictCard = memo(function ConflictCard({ item, index, status, choice, baseVersion, who, updatedAt, autoFocus, onChoose, onUndo }: ConflictCardProps) {
  const resolved = status !== 'open';
  return (
    <li className={resolved ? 'conflict resolved' : 'conflict'} aria-label={`Conflict ${index + 1}`} data-index={index} tabIndex={-1}>
      <div className="conflict-sides">
        <section aria-label="Base">
          <h3>Base (version {baseVersion})</h3>
          <Side text={item.base} />
        </section>
        <section aria-label="Theirs" className="theirs">
          <h3>
            Theirs — {who}, <time title={exactTime(updatedAt)}>{relativeTime(updatedAt)}</time>
          </h3>
          <Side text={item.theirs} base={item.base} />
        </section>
        <section aria-label="Mine" className="mine">
          <h3>Mine</h3>
          <Side text={item.mine} base={item.base} />
        </section>
      </div>
      {/* A resolved conflict keeps no choice buttons (Undo puts them back), so the first
          "Keep mine" on the page is always one that can still be chosen. */}
      <div className="actions" role="group" aria-label={`Resolve conflict ${index + 1}`}>
        {resolved ? (
          <>
            <span className="resolved-mark">Resolved · {status === 'chosen' && choice ? RESOLVED_AS[choice] : 'edited in the result'}</span>
            {(status === 'chosen' || status === 'edited') && (
              <button type="button" onClick={() => onUndo(index)}>
                Undo
              </button>
            )}
          </>
        ) : (
          <>
            <button type="button" onClick={() => onChoose(index, 'mine')} data-autofocus={autoFocus ? true : undefined}>
              Keep mine
            </button>
            <button type="button" onClick={() => onChoose(index, 'theirs')}>
              Take theirs
            </button>
            <button type="button" onClick={() => onChoose(index, 'both')}>
              Keep both
            </button>
          </>
        )}
      </div>
    </li>
  );
});

interface PlaceholderProps {
  index: number;
  total: number;
  resolved: boolean;
  height: number;
  observe: (element: HTMLElement | null) => void | (() => void);
  onReveal: (index: number) => void;
}

/**
 * A conflict not drawn yet: an empty box as tall as its card is expected to be (so the scroll
 * bar does not jump), drawn as it nears the viewport. It is a Tab stop named like the card, so
 * Tab moves through every conflict: focused, it turns into the card and hands focus to the
 * card's first button.
 */
const ConflictPlaceholder = memo(function ConflictPlaceholder({ index, total, resolved, height, observe, onReveal }: PlaceholderProps) {
  return (
    <li
      ref={observe}
      className={resolved ? 'conflict resolved' : 'conflict'}
      data-index={index}
      data-placeholder=""
      tabIndex={0}
      aria-label={`Conflict ${index + 1} of ${total}`}
      style={{ height }}
      onFocus={() => onReveal(index)}
    />
  );
});

/** Conflicts drawn when the dialog opens: more than a screenful; the rest are drawn as they near the viewport. */
const INITIAL_CARDS = 12;
/** How far beyond the visible part of the dialog cards are drawn ahead (rootMargin of the observer). */
const DRAW_AHEAD = '100% 0px';

/**
 * The expected height (px) of a conflict's card, from its longest side: close enough to keep the
 * scroll bar steady while cards are drawn; the card's real height replaces it once drawn.
 */
function estimatedHeight(item: Conflict, stacked: boolean): number {
  const charsPerLine = stacked ? 70 : 34;
  const lines = (text: string) => text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / charsPerLine)), 0);
  const [base, theirs, mine] = [lines(item.base), lines(item.theirs), lines(item.mine)];
  const sectionChrome = 36;
  const lineHeight = 19;
  const cardChrome = 72;
  if (stacked) return cardChrome + 3 * sectionChrome + 16 + (base + theirs + mine) * lineHeight;
  return cardChrome + sectionChrome + Math.max(base, theirs, mine) * lineHeight;
}

function scrollingAncestor(element: HTMLElement): Element | null {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const { overflowY } = getComputedStyle(node);
    if (overflowY === 'auto' || overflowY === 'scroll') return node;
  }
  return null;
}

/**
 * The result and each conflict's place in it, as the user left them, per merge: closing and
 * reopening the dialog keeps what can be undone. (The page keeps only the text.)
 */
const keptResolutions = new WeakMap<MergeResult, ResolutionState>();

function initialResolution(merge: MergeResult, kept: string | undefined): ResolutionState {
  const cached = keptResolutions.get(merge);
  if (kept !== undefined && cached?.text === kept) return cached;
  if (kept === undefined || kept === merge.text) return { text: merge.text, regions: initialRegions(merge) };
  return { text: kept, regions: regionsFromText(merge, kept) };
}

/** The next open conflict after `index`, else the first one before it; -1 when none is open. */
function nextOpen(regions: readonly ConflictRegion[], index: number): number {
  for (let at = index + 1; at < regions.length; at += 1) if (regions[at].status === 'open') return at;
  for (let at = 0; at < index && at < regions.length; at += 1) if (regions[at].status === 'open') return at;
  return -1;
}

/**
 * The merge UI: one card per conflict (base, theirs with who and when, mine) with Keep mine /
 * Take theirs / Keep both, and Undo once chosen; a freely editable result; the whole-document
 * choices. With hundreds of conflicts only the cards near the viewport are drawn (the others
 * are placeholders of about their height, drawn as they are scrolled to, tabbed to or moved to
 * with Previous / Next conflict): drawing them all took seconds.
 */
export function MergeDialog({ conflict, result: kept, onResultChange, busy = false, error, onSave, onOverwrite, onDiscard, onClose, returnFocusTo }: MergeDialogProps) {
  const { merge } = conflict;
  const blocks = useMemo(() => conflictBlocks(merge), [merge]);
  const [resolution, setResolutionState] = useState(() => initialResolution(merge, kept));
  const { text: result, regions } = resolution;
  const total = merge.conflicts.length;
  // The latest resolution and callback, for handlers that stay the same between renders (the
  // memoised cards would all re-render for new ones).
  const latest = useRef({ resolution, onResultChange });
  latest.current.onResultChange = onResultChange;
  const setResolution = useCallback(
    (next: ResolutionState) => {
      latest.current.resolution = next;
      keptResolutions.set(merge, next);
      setResolutionState(next);
      latest.current.onResultChange?.(next.text);
    },
    [merge],
  );
  const theirs = conflict.theirs;
  const who = theirs.updatedBy.displayName || theirs.updatedBy.username;
  const open = useMemo(() => openCount(regions), [regions]);
  const markersLeft = useMemo(() => hasConflictMarkers(result), [result]);
  const unresolved = open > 0 || markersLeft;

  // The first open conflict when the dialog opened: drawn at once, and its "Keep mine" takes focus.
  const [firstOpen] = useState(() => Math.max(0, nextOpen(resolution.regions, -1)));
  const [shown, setShown] = useState<ReadonlySet<number>>(() => {
    const initial = new Set<number>();
    for (let at = 0; at < Math.min(total, INITIAL_CARDS); at += 1) initial.add(at);
    for (let at = firstOpen; at < Math.min(total, firstOpen + INITIAL_CARDS); at += 1) initial.add(at);
    return initial;
  });
  const reveal = useCallback((indices: number[]) => {
    setShown((before) => {
      if (indices.every((index) => before.has(index))) return before;
      const after = new Set(before);
      for (const index of indices) after.add(index);
      return after;
    });
  }, []);
  const [current, setCurrent] = useState(firstOpen);
  const heights = useMemo(() => {
    const stacked = typeof window.matchMedia === 'function' && window.matchMedia('(max-width: 720px)').matches;
    return merge.conflicts.map((item) => estimatedHeight(item, stacked));
  }, [merge]);

  // Placeholders are drawn as they near the visible part of the dialog's scrolling container.
  // (Each unobserves itself when it turns into its card or the dialog closes.)
  const observer = useRef<IntersectionObserver | null | undefined>(undefined);
  const observe = useCallback(
    (element: HTMLElement | null) => {
      if (!element) return;
      if (observer.current === undefined) {
        observer.current =
          typeof IntersectionObserver === 'function'
            ? new IntersectionObserver(
                (entries) => {
                  const near = entries.filter((entry) => entry.isIntersecting).map((entry) => Number((entry.target as HTMLElement).dataset.index));
                  if (near.length > 0) reveal(near);
                },
                { root: scrollingAncestor(element), rootMargin: DRAW_AHEAD },
              )
            : null;
      }
      observer.current?.observe(element);
      return () => observer.current?.unobserve(element);
    },
    [reveal],
  );

  // Where focus goes once the cards it aims at are drawn: a conflict's first button, or Save.
  const listRef = useRef<HTMLOListElement>(null);
  const resultRef = useRef<HTMLTextAreaElement>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  const pendingFocus = useRef<number | 'save' | null>(null);
  const focusPending = useCallback(() => {
    const target = pendingFocus.current;
    if (target === null) return;
    if (target === 'save') {
      pendingFocus.current = null;
      (saveRef.current?.disabled ? resultRef.current : saveRef.current)?.focus();
      return;
    }
    const card = listRef.current?.querySelector<HTMLElement>(`li[data-index="${target}"]:not([data-placeholder])`);
    if (!card) return;
    pendingFocus.current = null;
    card.scrollIntoView?.({ block: 'nearest' });
    (card.querySelector<HTMLElement>('.actions button') ?? card).focus({ preventScroll: true });
  }, []);
  useEffect(focusPending);

  const goTo = useCallback(
    (index: number) => {
      if (index < 0 || index >= total) return;
      setCurrent(index);
      pendingFocus.current = index;
      reveal([index]);
      focusPending();
    },
    [total, reveal, focusPending],
  );

  const choose = useCallback(
    (index: number, choice: ConflictChoice) => {
      const next = resolveConflict(latest.current.resolution, index, merge.conflicts[index], blocks[index], choice);
      if (next === null) return;
      const after = nextOpen(next.regions, index);
      pendingFocus.current = after < 0 ? 'save' : after;
      if (after >= 0) {
        setCurrent(after);
        reveal([after]);
      }
      setResolution(next);
    },
    [blocks, merge.conflicts, reveal, setResolution],
  );

  const undoChoice = useCallback(
    (index: number) => {
      const next = undoConflict(latest.current.resolution, index, blocks[index]);
      if (next === null) return;
      pendingFocus.current = index;
      setResolution(next);
    },
    [blocks, setResolution],
  );

  const edit = useCallback(
    (area: HTMLTextAreaElement) => {
      const before = latest.current.resolution;
      const text = area.value;
      const change = editBetween(before.text, text, area.selectionEnd);
      setResolution({ text, regions: mapEdit(before.regions, change, text, blocks, merge.conflicts) });
    },
    [blocks, merge.conflicts, setResolution],
  );

  const onListFocus = useCallback((event: FocusEvent) => {
    const card = (event.target as HTMLElement).closest<HTMLElement>('li[data-index]');
    if (card) setCurrent(Number(card.dataset.index));
  }, []);
  const onRevealFocused = useCallback(
    (index: number) => {
      setCurrent(index);
      pendingFocus.current = index;
      reveal([index]);
    },
    [reveal],
  );
  const onNavigationKey = (event: KeyboardEvent) => {
    if (!event.altKey || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
    event.preventDefault();
    goTo(current + (event.key === 'ArrowDown' ? 1 : -1));
  };

  return (
    <Modal title="Resolve conflicts" onClose={onClose} wide returnFocusTo={returnFocusTo}>
      <p className="lead">
        <strong>{who}</strong> saved version {theirs.version} <time title={exactTime(theirs.updatedAt)}>{relativeTime(theirs.updatedAt)}</time> while you were
        editing, and changed the same places you did. Choose what to keep for each conflict, or edit the result directly.
      </p>
      {conflict.newerEdits.length > 0 && (
        <p className="notice" role="note">
          {conflict.newerEdits.map((edit) => edit.author.displayName).filter((name, i, all) => all.indexOf(name) === i).join(', ')} changed the document again
          while this dialog was open (now version {conflict.newerEdits[conflict.newerEdits.length - 1].version}). Those changes are merged in when you save.
        </p>
      )}
      <div onKeyDown={onNavigationKey}>
        {total > 1 && (
          <nav className="actions conflict-nav" aria-label="Move between conflicts">
            <button type="button" onClick={() => goTo(current - 1)} disabled={current <= 0} aria-keyshortcuts="Alt+ArrowUp">
              Previous conflict
            </button>
            <span>
              Conflict {current + 1} of {total}
            </span>
            <button type="button" onClick={() => goTo(current + 1)} disabled={current >= total - 1} aria-keyshortcuts="Alt+ArrowDown">
              Next conflict
            </button>
          </nav>
        )}
        <ol className="conflicts" aria-label="Conflicts" ref={listRef} onFocus={onListFocus}>
          {merge.conflicts.map((item, index) =>
            shown.has(index) ? (
              <ConflictCard
                key={`${item.start}-${index}`}
                item={item}
                index={index}
                status={regions[index].status}
                choice={regions[index].choice}
                baseVersion={conflict.baseVersion}
                who={who}
                updatedAt={theirs.updatedAt}
                autoFocus={index === firstOpen}
                onChoose={choose}
                onUndo={undoChoice}
              />
            ) : (
              <ConflictPlaceholder
                key={`${item.start}-${index}`}
                index={index}
                total={total}
                resolved={regions[index].status !== 'open'}
                height={heights[index]}
                observe={observe}
                onReveal={onRevealFocused}
              />
            ),
          )}
        </ol>
      </div>
      <label className="result">
        Merged result
        <textarea ref={resultRef} value={result} onChange={(event) => edit(event.target)} rows={10} spellCheck={false} />
      </label>
      <p className="hint" aria-live="polite">
        {unresolved ? `${open || 'Some'} conflict${open === 1 ? '' : 's'} left: resolve them (or remove the markers) before saving.` : 'All conflicts resolved.'}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions spread">
        <div className="actions">
          <button type="button" onClick={onOverwrite} disabled={busy} aria-describedby="overwrite-warning">
            Overwrite with mine
          </button>
          <button type="button" onClick={onDiscard} disabled={busy}>
            Discard mine
          </button>
        </div>
        <button type="button" className="primary" ref={saveRef} disabled={busy || unresolved} onClick={() => onSave(result)}>
          Save merged version
        </button>
      </div>
      <p id="overwrite-warning" className="warning">
        Overwrite with mine replaces the whole document with your text and drops {who}&rsquo;s changes from it (they stay in the version history).
      </p>
    </Modal>
  );
}
