import { ChangeSet, Text } from '@codemirror/state';
import { diff } from '@codemirror/merge';

/**
 * Text ↔ CodeMirror change sets. The editor keeps '\n' as its only line separator (see the
 * editor's lineSeparator facet), so a document's text survives the round trip byte for byte,
 * CRLF included.
 */
export function toText(value: string): Text {
  return Text.of(value.split('\n'));
}

export function applyChanges(changes: ChangeSet, value: string): string {
  return changes.apply(toText(value)).toString();
}

/** The changes that turn `from` into `to`, as a change set on `from`. */
export function diffChanges(from: string, to: string): ChangeSet {
  if (from === to) return ChangeSet.empty(from.length);
  const specs = diff(from, to).map((change) => ({ from: change.fromA, to: change.toA, insert: to.slice(change.fromB, change.toB) }));
  return ChangeSet.of(specs, from.length, '\n');
}
