import { useMemo } from 'react';
import { presentableDiff } from '@codemirror/merge';

interface DiffViewProps {
  before: string;
  after: string;
}

/** Long unchanged stretches are folded to this many characters of context on each side. */
const CONTEXT = 120;

type Piece = { kind: 'same' | 'added' | 'removed'; text: string };

function pieces(before: string, after: string): Piece[] {
  const out: Piece[] = [];
  let posA = 0;
  for (const change of presentableDiff(before, after)) {
    if (change.fromA > posA) out.push({ kind: 'same', text: before.slice(posA, change.fromA) });
    if (change.toA > change.fromA) out.push({ kind: 'removed', text: before.slice(change.fromA, change.toA) });
    if (change.toB > change.fromB) out.push({ kind: 'added', text: after.slice(change.fromB, change.toB) });
    posA = change.toA;
  }
  if (posA < before.length) out.push({ kind: 'same', text: before.slice(posA) });
  return out;
}

function fold(text: string, first: boolean, last: boolean): string {
  if (text.length <= CONTEXT * 2 + 20) return text;
  const head = first ? '' : text.slice(0, CONTEXT);
  const tail = last ? '' : text.slice(-CONTEXT);
  return `${head}\n…\n${tail}`;
}

/** What one version changed: removed text struck through in red, added text in green. */
export function DiffView({ before, after }: DiffViewProps) {
  const parts = useMemo(() => pieces(before, after), [before, after]);
  if (parts.every((part) => part.kind === 'same')) return <p className="hint">This version changed nothing in the text.</p>;
  return (
    <pre className="diff" aria-label="Changes in this version">
      {parts.map((part, index) => {
        if (part.kind === 'added') return <ins key={index}>{part.text}</ins>;
        if (part.kind === 'removed') return <del key={index}>{part.text}</del>;
        return <span key={index}>{fold(part.text, index === 0, index === parts.length - 1)}</span>;
      })}
    </pre>
  );
}
