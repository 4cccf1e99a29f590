import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Conflict } from '@concord/shared';
import { presentableDiff } from '@codemirror/merge';
import type { ConflictState } from '../editor/sync.machine';
import { Modal } from '../ui/modal.component';
import { exactTime, relativeTime } from '../ui/relative-time.util';
import { applyChoice, conflictBlocks, hasConflictMarkers, type ConflictChoice } from './conflict-resolution.util';

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

interface ConflictCardProps {
  item: Conflict;
  index: number;
  resolved: boolean;
  baseVersion: number;
  who: string;
  updatedAt: string;
  onChoose: (index: number, choice: ConflictChoice) => void;
}

/**
 * One conflict: memoised, so a choice or a keystroke in the merged result re-renders the card it
 * touches, not all of them (with hundreds of conflicts each choice used to take over 100 ms).
 */
const ConflictCard = memo(function ConflictCard({ item, index, resolved, baseVersion, who, updatedAt, onChoose }: ConflictCardProps) {
  return (
    <li className={resolved ? 'conflict resolved' : 'conflict'} aria-label={`Conflict ${index + 1}`}>
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
      {/* A resolved conflict keeps no buttons (a later choice is an edit of the result),
          so the first "Keep mine" on the page is always one that can still be chosen. */}
      <div className="actions" role="group" aria-label={`Resolve conflict ${index + 1}`}>
        {resolved ? (
          <span className="resolved-mark">Resolved</span>
        ) : (
          <>
            <button type="button" onClick={() => onChoose(index, 'mine')} data-autofocus={index === 0 ? true : undefined}>
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

/**
 * The merge UI: one card per conflict (base, theirs with who and when, mine) with Keep mine /
 * Take theirs / Keep both, a freely editable result, and the whole-document choices.
 */
export function MergeDialog({ conflict, result: kept, onResultChange, busy = false, error, onSave, onOverwrite, onDiscard, onClose, returnFocusTo }: MergeDialogProps) {
  const blocks = useMemo(() => conflictBlocks(conflict.merge), [conflict.merge]);
  const [result, setResultState] = useState(kept ?? conflict.merge.text);
  // The latest result and callback, for a choose() that stays the same between renders (the
  // memoised cards would all re-render for a new one).
  const latest = useRef({ result, onResultChange });
  latest.current.onResultChange = onResultChange;
  const setResult = useCallback((text: string) => {
    latest.current.result = text;
    setResultState(text);
    latest.current.onResultChange?.(text);
  }, []);
  const theirs = conflict.theirs;
  const who = theirs.updatedBy.displayName || theirs.updatedBy.username;
  const resolved = useMemo(() => blocks.map((block) => !result.includes(block)), [blocks, result]);
  const open = resolved.filter((done) => !done).length;
  const unresolved = open > 0 || hasConflictMarkers(result);

  // After a choice its buttons are gone: focus moves on to the next open conflict, or to saving.
  const listRef = useRef<HTMLOListElement>(null);
  const resultRef = useRef<HTMLTextAreaElement>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  const moveFocusOn = useRef(false);
  useEffect(() => {
    if (!moveFocusOn.current) return;
    moveFocusOn.current = false;
    const nextConflict = listRef.current?.querySelector<HTMLElement>('.conflict:not(.resolved) .actions button');
    (nextConflict ?? (saveRef.current?.disabled ? resultRef.current : saveRef.current))?.focus();
  }, [result]);

  const choose = useCallback(
    (index: number, choice: ConflictChoice) => {
      const next = applyChoice(latest.current.result, blocks[index], conflict.merge.conflicts[index], choice);
      if (next === null) return;
      moveFocusOn.current = true;
      setResult(next);
    },
    [blocks, conflict.merge.conflicts, setResult],
  );

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
      <ol className="conflicts" aria-label="Conflicts" ref={listRef}>
        {conflict.merge.conflicts.map((item, index) => (
          <ConflictCard
            key={`${item.start}-${index}`}
            item={item}
            index={index}
            resolved={resolved[index]}
            baseVersion={conflict.baseVersion}
            who={who}
            updatedAt={theirs.updatedAt}
            onChoose={choose}
          />
        ))}
      </ol>
      <label className="result">
        Merged result
        <textarea ref={resultRef} value={result} onChange={(event) => setResult(event.target.value)} rows={10} spellCheck={false} />
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
