import { type MutableRefObject, useEffect, useRef } from 'react';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { markdown } from '@codemirror/lang-markdown';
import { Annotation, Compartment, EditorState, Transaction } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import type { LiveSession } from './live-session.service';
import { remoteCursorsField, setRemoteCursors } from './remote-cursors.extension';

/** Marks transactions that carry other people's edits, so they are not sent back as ours. */
const remoteChange = Annotation.define<boolean>();

interface CodeEditorProps {
  session: LiveSession;
  readOnly: boolean;
  /** Set to the editor's view while it exists: the page makes local edits through it (Drafts). */
  viewRef?: MutableRefObject<EditorView | null>;
}

/** The CodeMirror 6 Markdown editor, wired to a live session. */
export function CodeEditor({ session, readOnly, viewRef: outerViewRef }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const ownViewRef = useRef<EditorView | null>(null);
  const viewRef = outerViewRef ?? ownViewRef;
  const editable = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: session.getSnapshot().sync.doc,
        extensions: [
          // One line separator, so CRLF documents survive the round trip unchanged.
          EditorState.lineSeparator.of('\n'),
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          keymap.of([
            {
              key: 'Mod-s',
              preventDefault: true,
              run: () => {
                session.saveNow();
                return true;
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
            indentWithTab,
          ]),
          markdown(),
          EditorView.lineWrapping,
          placeholder('Start writing…'),
          EditorView.contentAttributes.of({ 'aria-label': 'Document content', 'aria-multiline': 'true', role: 'textbox' }),
          editable.current.of([EditorState.readOnly.of(true), EditorView.editable.of(false)]),
          remoteCursorsField,
          EditorView.updateListener.of((update) => {
            for (const transaction of update.transactions) {
              if (transaction.docChanged && !transaction.annotation(remoteChange)) session.localChange(transaction.changes);
            }
            if (update.selectionSet && update.view.hasFocus) {
              const { anchor, head } = update.state.selection.main;
              session.localSelection(anchor, head);
            }
          }),
        ],
      }),
    });
    viewRef.current = view;
    session.attachEditor({
      applyRemote: (changes) =>
        view.dispatch({ changes, annotations: [remoteChange.of(true), Transaction.addToHistory.of(false)] }),
      setCursors: (cursors) => view.dispatch({ effects: setRemoteCursors.of(cursors) }),
      selection: () => (view.hasFocus ? { anchor: view.state.selection.main.anchor, head: view.state.selection.main.head } : null),
    });
    return () => {
      session.attachEditor(null);
      view.destroy();
      viewRef.current = null;
    };
  }, [session, viewRef]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: editable.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  return <div className="editor-host" ref={host} />;
}
