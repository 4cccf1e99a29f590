import { StateEffect, StateField, type EditorState, type Range } from '@codemirror/state';
import { Decoration, EditorView, WidgetType, type DecorationSet } from '@codemirror/view';
import { userColour } from '../ui/user-colour.util';
import type { RemoteCursor } from './live-session.service';

/** Other people's cursors and selections, drawn in their colour and kept in place as the text changes. */
export const setRemoteCursors = StateEffect.define<RemoteCursor[]>();

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly colour: string,
  ) {
    super();
  }

  override eq(other: CaretWidget): boolean {
    return other.name === this.name && other.colour === this.colour;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.className = 'cm-remote-caret';
    caret.style.borderColor = this.colour;
    caret.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'cm-remote-caret-label';
    label.style.backgroundColor = this.colour;
    label.textContent = this.name;
    caret.appendChild(label);
    return caret;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

/** A remote cursor as last received, and where it stands now in this editor's text. */
interface Placed {
  cursor: RemoteCursor;
  anchor: number;
  head: number;
}

interface RemoteCursorsState {
  placed: Placed[];
  decorations: DecorationSet;
}

function place(cursor: RemoteCursor, docLength: number): Placed {
  // Positions come from the sender's copy, which may be a keystroke ahead or behind: clamp.
  const clamp = (position: number) => Math.min(Math.max(position, 0), docLength);
  return { cursor, anchor: clamp(cursor.anchor), head: clamp(cursor.head) };
}

function build(placed: Placed[]): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  for (const { cursor, anchor, head } of placed) {
    const colour = userColour(cursor.user.id);
    const from = Math.min(anchor, head);
    const to = Math.max(anchor, head);
    if (from < to) {
      ranges.push(Decoration.mark({ attributes: { style: `background-color: color-mix(in srgb, ${colour} 22%, transparent)` } }).range(from, to));
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(cursor.user.displayName, colour), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

/**
 * Every update carries everyone's cursor, but only the one just received is new (a new object):
 * the others keep their positions as mapped through the edits made since they arrived, rather
 * than jumping back to where they stood before the text around them changed (with many people
 * typing, every cursor would otherwise flicker back on each one's move).
 */
function replace(previous: Placed[], cursors: RemoteCursor[], docLength: number): Placed[] {
  return cursors.map((cursor) => previous.find((placed) => placed.cursor === cursor) ?? place(cursor, docLength));
}

export const remoteCursorsField = StateField.define<RemoteCursorsState>({
  create: () => ({ placed: [], decorations: Decoration.none }),
  update(value, transaction) {
    let { placed, decorations } = value;
    if (transaction.docChanged) {
      const { changes } = transaction;
      placed = placed.map((entry) => ({ ...entry, anchor: changes.mapPos(entry.anchor, 1), head: changes.mapPos(entry.head, 1) }));
      decorations = decorations.map(changes);
    }
    for (const effect of transaction.effects) {
      if (effect.is(setRemoteCursors)) {
        placed = replace(placed, effect.value, transaction.newDoc.length);
        decorations = build(placed);
      }
    }
    return placed === value.placed && decorations === value.decorations ? value : { placed, decorations };
  },
  provide: (field) => EditorView.decorations.from(field, (value) => value.decorations),
});

/** Where each remote cursor is drawn now (for tests and checks). */
export function remoteCursorPositions(state: EditorState): { id: string; anchor: number; head: number }[] {
  return state.field(remoteCursorsField).placed.map(({ cursor, anchor, head }) => ({ id: cursor.user.id, anchor, head }));
}
