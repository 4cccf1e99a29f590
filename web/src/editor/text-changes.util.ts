import { ChangeSet } from '@codemirror/state';
import { diff } from '@codemirror/merge';

/**
 * Text ↔ CodeMirror change sets. The editor keeps '\n' as its only line separator (see the
 * editor's lineSeparator facet), so a document's text survives the round trip byte for byte,
 * CRLF included.
 */

/**
 * Runs on every keystroke: the untouched stretches are sliced, not split into lines and joined
 * again as a CodeMirror Text would be, which costs milliseconds per keystroke in a megabyte.
 */
export function applyChanges(changes: ChangeSet, value: string): string {
  if (changes.length !== value.length) throw new RangeError(`applying changes to a text of length ${value.length} instead of ${changes.length}`);
  const parts: string[] = [];
  let at = 0;
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    parts.push(value.slice(at, fromA), inserted.toString());
    at = toA;
  });
  parts.push(value.slice(at));
  return parts.join('');
}

/** The changes that turn `from` into `to`, as a change set on `from`. */
export function diffChanges(from: string, to: string): ChangeSet {
  if (from === to) return ChangeSet.empty(from.length);
  const specs = diff(from, to).map((change) => ({ from: change.fromA, to: change.toA, insert: to.slice(change.fromB, change.toB) }));
  return ChangeSet.of(specs, from.length, '\n');
}
