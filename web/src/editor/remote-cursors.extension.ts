import { StateEffect, StateField, type Range } from '@codemirror/state';
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

function build(cursors: RemoteCursor[], docLength: number): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  for (const cursor of cursors) {
    const colour = userColour(cursor.user.id);
    // Positions come from the sender's copy, which may be a keystroke ahead or behind: clamp.
    const head = Math.min(Math.max(cursor.head, 0), docLength);
    const anchor = Math.min(Math.max(cursor.anchor, 0), docLength);
    const from = Math.min(anchor, head);
    const to = Math.max(anchor, head);
    if (from < to) {
      ranges.push(Decoration.mark({ attributes: { style: `background-color: color-mix(in srgb, ${colour} 22%, transparent)` } }).range(from, to));
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(cursor.user.displayName, colour), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

export const remoteCursorsField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decorations, transaction) {
    let next = decorations.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setRemoteCursors)) next = build(effect.value, transaction.newDoc.length);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});
