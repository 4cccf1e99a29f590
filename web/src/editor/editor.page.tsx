import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Link, useParams } from 'react-router';
import type { EditorView } from '@codemirror/view';
import { etagFor, type Member, type MemberRole, type UserSummary } from '@concord/shared';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { DraftsDialog } from '../drafts/drafts.dialog';
import { HistoryDialog } from '../history/history.dialog';
import { MergeDialog } from '../merge/merge.dialog';
import { ShareDialog } from '../share/share.dialog';
import { exactTime } from '../ui/relative-time.util';
import { userColour } from '../ui/user-colour.util';
import { CodeEditor } from './code-editor.component';
import { LiveSession, type SessionSnapshot } from './live-session.service';
import { sharedSyncDeps } from './sync-deps';
import { diffChanges } from './text-changes.util';
import { accessLost, hasUnsavedChanges, syncStatus, type SyncState } from './sync.machine';

const noop = () => () => undefined;

function statusText(sync: SyncState): string {
  switch (syncStatus(sync)) {
    case 'loading':
      return 'Connecting…';
    case 'saved':
      return sync.server ? `Saved · version ${sync.server.version}` : 'Saved';
    case 'saving':
      return 'Saving…';
    case 'refused':
      return 'Not saved · the document is too large';
    case 'read-only':
      return 'Not saved · you can only read this document now';
    case 'no-access':
      return hasUnsavedChanges(sync) ? 'No access · your last changes were not sent' : 'No access';
    case 'offline':
      return sync.inflight || !sync.pending.empty ? 'Offline · your changes are kept on this device' : 'Offline';
    case 'conflict':
      return 'Conflict · your changes overlap someone else’s';
  }
}

/** Why the document is gone for this visit, and who did it when the server said. */
function lostText(sync: SyncState, by: UserSummary | null, selfId: string | undefined): string {
  if (sync.access !== 'removed') return 'This document is no longer available to you: the owner removed your access, or it was deleted.';
  // Left from another tab (this tab's own Leave shows nothing: it goes back to the list).
  if (by && by.id === selfId) return 'You left this document.';
  return `${by?.displayName ?? 'The owner'} removed your access to this document.`;
}

/** Why a draft cannot be recovered into the text now (it can still be copied), or null. */
function recoverBlocked(sync: SyncState, role: MemberRole | null): string | null {
  if (role === 'viewer' || sync.access !== 'write') return 'You can only read this document, so drafts cannot be recovered into it; you can still copy their text.';
  if (sync.blocked) return `${sync.blocked} Drafts can only be copied.`;
  if (sync.conflict) return 'Resolve the open conflict first; until then drafts can only be copied.';
  if (!sync.server) return 'The document is still opening; until then drafts can only be copied.';
  return null;
}

type OpenDialog = 'merge' | 'history' | 'drafts' | 'share' | null;

export function EditorPage() {
  const { id = '' } = useParams();
  const { token, user, api, expire } = useAuth();
  const userId = user?.id;
  const [session, setSession] = useState<LiveSession | null>(null);
  const sessionRef = useRef<LiveSession | null>(null);
  /** The token the session starts with; later ones reach it through setToken, without reopening it. */
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [mergeBusy, setMergeBusy] = useState(false);
  const [mergeError, setMergeError] = useState<string | null>(null);
  const [members, setMembers] = useState<Member[] | null>(null);
  /** This user asked to leave the document (Share → Leave document): their lost access is no news. */
  const [leaving, setLeaving] = useState(false);
  /** The last draft recovered into the text (Drafts), announced politely. */
  const [recovered, setRecovered] = useState<string | null>(null);

  const loadMembers = useCallback(() => {
    // An `access` event heard after this request went out is newer than its answer.
    const accessEvents = sessionRef.current?.getSnapshot().accessEvents ?? 0;
    api
      .listMembers(id)
      .then((list) => {
        setMembers(list);
        const live = sessionRef.current;
        // The session follows the listed role: changed while this tab was offline, say.
        if (live?.documentId === id) {
          live.roleListed(list.find((member) => member.user.id === userId)?.role ?? null, accessEvents);
        }
      })
      // Without the list the server still enforces roles; the UI just cannot tell in advance.
      .catch(() => setMembers(null));
  }, [api, id, userId]);
  useEffect(loadMembers, [loadMembers]);
  const loadMembersRef = useRef(loadMembers);
  loadMembersRef.current = loadMembers;
  const listedRole = members?.find((member) => member.user.id === userId)?.role ?? null;

  useEffect(() => {
    const startToken = tokenRef.current;
    if (!startToken || !userId) return undefined;
    const live = new LiveSession({
      documentId: id,
      token: startToken,
      selfId: userId,
      deps: sharedSyncDeps,
      // Signs out (and RequireAuth goes to /login), unless a newer token has replaced this one.
      onUnauthorized: expire,
    });
    sessionRef.current = live;
    live.start();
    setSession(live);
    return () => {
      live.stop();
      if (sessionRef.current === live) sessionRef.current = null;
      setSession(null);
    };
  }, [id, userId, expire]);
  useEffect(() => {
    // A new password (here or in another tab): the open socket goes on with the new token.
    if (token) session?.setToken(token);
  }, [session, token]);

  const subscribe = useCallback((listener: () => void) => (session ? session.subscribe(listener) : noop()), [session]);
  const snapshot: SessionSnapshot | null = useSyncExternalStore(subscribe, () => session?.getSnapshot() ?? null);
  // The session's role: the newest of what the server announced and the member list said.
  const knownRole = snapshot?.role;
  const myRole = knownRole !== undefined ? knownRole : listedRole;
  const lost = snapshot ? accessLost(snapshot.sync.access) : false;
  const accessEvents = snapshot?.accessEvents ?? 0;
  const rejoins = snapshot?.rejoins ?? 0;
  useEffect(() => {
    // The owner changed this user's role (the member list, the Share dialog's, follows), or the
    // socket re-joined after a disconnect (the role may have changed meanwhile: no event says so).
    if ((accessEvents > 0 && !lost) || rejoins > 0) loadMembersRef.current();
    // Only on a new event or re-join (`lost` is read, not watched).
  }, [accessEvents, rejoins]);
  useEffect(() => {
    // Nothing in the dialogs can be done any more (their requests would all be 404s).
    if (lost && !leaving) setDialog(null);
  }, [lost, leaving]);
  const backLinkRef = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    // A dialog that closed because access was lost leaves focus nowhere: give it the way out.
    const active = document.activeElement;
    if (lost && dialog === null && (active === null || active === document.body)) backLinkRef.current?.focus();
  }, [lost, dialog]);

  const conflict = snapshot?.sync.conflict ?? null;
  // The merge UI opens by itself when a new conflict appears (not again for each later edit
  // noted while it is open or deliberately closed).
  const conflictKey = conflict ? `${conflict.baseVersion}:${conflict.theirs.version}` : null;
  // The merged result as the user left it, kept while the same conflict stands.
  const [mergeResult, setMergeResult] = useState<string | undefined>(undefined);
  const pageRef = useRef<HTMLElement>(null);
  /** The CodeMirror view, while the editor is shown: Drafts recovers a draft through it. */
  const editorView = useRef<EditorView | null>(null);
  useEffect(() => {
    setMergeResult(undefined);
    if (conflictKey) {
      setDialog('merge');
      setMergeError(null);
    }
  }, [conflictKey]);

  if (!session || !snapshot) return <main className="page">Loading…</main>;
  const { sync, presence } = snapshot;
  const status = syncStatus(sync);

  if (snapshot.fatal && !sync.server && !lost) {
    return (
      <main className="page">
        <p role="alert" className="error">
          {snapshot.fatal}
        </p>
        <Link to="/">Back to your documents</Link>
      </main>
    );
  }

  async function overwrite() {
    if (!session || !conflict) return;
    setMergeBusy(true);
    setMergeError(null);
    try {
      const written = await api.putDocument(id, { content: conflict.mine }, { ifMatch: '*' });
      session.dispatch({ type: 'overwritten', document: written });
      setDialog(null);
    } catch (caught) {
      setMergeError(describeError(caught));
    } finally {
      setMergeBusy(false);
    }
  }

  return (
    <main className="page editor-page" ref={pageRef}>
      <div className="editor-toolbar">
        <div className="title-block">
          <Link to="/" className="back">
            ← Documents
          </Link>
          <h1>{snapshot.title ?? 'Untitled'}</h1>
          {!lost && (myRole === 'viewer' || sync.access === 'read') && <span className="badge view-only">View only</span>}
        </div>
        <div role="status" className={`status status-${status}`} aria-live="polite">
          <span className="dot" aria-hidden="true" />
          {statusText(sync)}
        </div>
        <ul className="presence" aria-label="People editing">
          {presence.map((person) => (
            <li key={person.id} title={person.username} style={{ borderColor: userColour(person.id) }}>
              <span className="swatch" style={{ backgroundColor: userColour(person.id) }} aria-hidden="true" />
              {person.displayName}
              {person.id === user?.id ? ' (you)' : ''}
            </li>
          ))}
        </ul>
        <div className="actions">
          <button type="button" disabled={lost} onClick={() => setDialog('history')}>
            History
          </button>
          <button
            type="button"
            disabled={lost}
            onClick={() => {
              setRecovered(null);
              setDialog('drafts');
            }}
          >
            Drafts
          </button>
          <button type="button" disabled={lost} onClick={() => setDialog('share')}>
            Share
          </button>
        </div>
      </div>
      {lost && !leaving && (
        <div className="notice access-lost" role="alert">
          <p>{lostText(sync, snapshot.accessBy, user?.id)}</p>
          {hasUnsavedChanges(sync) && (
            <p>
              Your last changes were not sent. They are still shown below (read-only) and kept on this device, so
              you can copy them.
            </p>
          )}
          <Link to="/" ref={backLinkRef}>
            Back to your documents
          </Link>
        </div>
      )}
      {!lost && sync.access === 'read' && (
        <p className="notice" role="alert">
          {snapshot.accessBy && myRole === 'viewer'
            ? `${snapshot.accessBy.displayName} made you a viewer: you can now only read this document.`
            : 'You can now only read this document.'}
          {hasUnsavedChanges(sync) && ' Your last changes were not sent; they stay here and on this device, and are sent if you may edit again.'}
        </p>
      )}
      {/* Good news needs no alert: a polite live region, present (empty) from the start so it is announced. */}
      <div className="notice-live" aria-live="polite">
        {!lost && sync.access === 'write' && snapshot.accessBy && myRole === 'editor' && (
          <p className="notice">{snapshot.accessBy.displayName} made you an editor: you can now edit this document.</p>
        )}
        {recovered && !lost && <p className="notice">{recovered}</p>}
      </div>
      {sync.blocked && !lost && (
        <p className="notice" role="note">
          {sync.blocked}
        </p>
      )}
      {sync.error && !sync.blocked && !lost && <p className="notice">{sync.error} Retrying…</p>}
      {sync.refused && (
        <p className="notice" role="alert">
          {sync.refused} Your changes are kept here: shorten the document and it is saved again.
        </p>
      )}
      {conflict && dialog !== 'merge' && !lost && (
        <p className="notice conflict-banner">
          Your changes overlap someone else’s and are not saved yet.{' '}
          <button type="button" onClick={() => setDialog('merge')}>
            Open the merge
          </button>
        </p>
      )}
      {sync.server ? (
        <CodeEditor
          session={session}
          viewRef={editorView}
          readOnly={!!conflict || !!sync.blocked || sync.access !== 'write' || myRole === 'viewer'}
        />
      ) : lost ? null : (
        // The editor appears only once the document is loaded, so nothing typed into it is lost
        // to a text box that is not ready yet.
        <div className="editor-host editor-loading" aria-busy="true">
          {snapshot.fatal ?? 'Opening the document…'}
        </div>
      )}
      {dialog === 'merge' && conflict && !lost && (
        <MergeDialog
          key={conflictKey}
          conflict={conflict}
          result={mergeResult}
          onResultChange={setMergeResult}
          // Back to "Open the merge" after closing, or to the editor once the conflict is settled.
          returnFocusTo={() =>
            pageRef.current?.querySelector<HTMLElement>('.conflict-banner button') ??
            pageRef.current?.querySelector<HTMLElement>('[role="textbox"][contenteditable="true"]')
          }
          busy={mergeBusy}
          error={mergeError}
          onSave={(text) => {
            session.dispatch({ type: 'resolve', text });
            setDialog(null);
          }}
          onOverwrite={() => void overwrite()}
          onDiscard={() => {
            session.dispatch({ type: 'discard' });
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'history' && (
        <HistoryDialog
          documentId={id}
          canRestore={!sync.blocked && sync.access === 'write' && myRole !== 'viewer'}
          currentEtag={() => {
            const server = session.getSnapshot().sync.server;
            return server?.etag || etagFor(id, server?.version ?? 1);
          }}
          onClose={() => setDialog(null)}
          onRestored={() => setDialog(null)}
        />
      )}
      {dialog === 'drafts' && (
        <DraftsDialog
          documentId={id}
          currentText={() => editorView.current?.state.doc.toString() ?? session.getSnapshot().sync.doc}
          recoverBlocked={recoverBlocked(sync, myRole)}
          onRecover={(text, draft) => {
            const view = editorView.current;
            if (!view) return false;
            // An ordinary local edit (undoable, sent by the save path, fitted around remote
            // cursors): the smallest changes from the text the merge was made against.
            view.dispatch({ changes: diffChanges(view.state.doc.toString(), text), userEvent: 'input.recover' });
            setDialog(null);
            setRecovered(`Recovered the draft from ${exactTime(draft.createdAt)}.`);
            return true;
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'share' && (
        <ShareDialog
          documentId={id}
          members={members}
          isOwner={members === null || myRole === 'owner'}
          onChanged={loadMembers}
          onClose={() => setDialog(null)}
          onLeaving={setLeaving}
        />
      )}
    </main>
  );
}
