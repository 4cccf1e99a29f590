import { EditorState } from '@codemirror/state';
import { alice, bob } from './editor.fixtures';
import type { RemoteCursor } from './live-session.service';
import { remoteCursorPositions, remoteCursorsField, setRemoteCursors } from './remote-cursors.extension';

describe('remote cursors', () => {
  it('keep their place through later edits when someone else’s cursor moves', () => {
    let state = EditorState.create({ doc: 'Hello world, hello all', extensions: [remoteCursorsField] });
    const bobAt = { user: bob, anchor: 6, head: 11 } satisfies RemoteCursor;
    state = state.update({ effects: setRemoteCursors.of([bobAt]) }).state;
    // Typing before Bob's selection moves it along…
    state = state.update({ changes: { from: 0, insert: 'Oh! ' } }).state;
    expect(remoteCursorPositions(state)).toEqual([{ id: bob.id, anchor: 10, head: 15 }]);
    // …and Alice moving her cursor (the session hands over everyone's) does not send it back.
    state = state.update({ effects: setRemoteCursors.of([bobAt, { user: alice, anchor: 2, head: 2 }]) }).state;
    expect(remoteCursorPositions(state)).toEqual([
      { id: bob.id, anchor: 10, head: 15 },
      { id: alice.id, anchor: 2, head: 2 },
    ]);
    // A newly received cursor is placed where it says, clamped to the text.
    state = state.update({ effects: setRemoteCursors.of([{ user: bob, anchor: 0, head: 500 }]) }).state;
    expect(remoteCursorPositions(state)).toEqual([{ id: bob.id, anchor: 0, head: state.doc.length }]);
  });
});
