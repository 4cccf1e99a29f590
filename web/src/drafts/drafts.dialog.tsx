import { type ReactNode, useId, useLayoutEffect, useRef, useState } from 'react';
import { ConcordApiError, type Draft } from '@concord/shared';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { Modal } from '../ui/modal.component';
import { PagedListFooter } from '../ui/paged-list-footer.component';
import { exactTime, relativeTime } from '../ui/relative-time.util';
import { usePagedList } from '../ui/use-paged-list';
import {
  type BaseText,
  draftText,
  GONE,
  mergeBase,
  NO_TEXT_REASONS,
  needsBase,
  planRecovery,
  previewOf,
} from './draft-recovery';

interface DraftsDialogProps {
  documentId: string;
  /** The editor's text now, unsent typing included: what a recovery merges into. */
  currentText: () => string;
  /** Why nothing can be recovered into the document now (a viewer, say), or null when it can. */
  recoverBlocked: string | null;
  /** Puts a cleanly merged text into the editor as a local edit; false when the editor is not there. */
  onRecover: (text: string, draft: Draft) => boolean;
  onClose: () => void;
}

/** Drafts fetched per page, newest first. */
export const DRAFTS_PAGE_SIZE = 20;

/** A base version as fetched: its text, gone (404), still on its way, or an error to retry. */
type BaseState =
  { status: 'loading' } | { status: 'ready'; text: BaseText } | { status: 'error'; message: string };

/** What the last action on a draft came to, shown with it. */
type Outcome = { kind: 'overlap' | 'present' | 'copied' | 'failed'; message: string };

const accessLostText = 'This document is no longer available to you.';

function pageErrorText(caught: unknown): string {
  // 404: access was lost (or the document deleted) since the editor opened.
  return caught instanceof ConcordApiError && caught.status === 404 ? accessLostText : describeError(caught);
}

export function DraftsDialog({
  documentId,
  currentText,
  recoverBlocked,
  onRecover,
  onClose,
}: DraftsDialogProps) {
  const { api } = useAuth();
  const [bases, setBases] = useState<ReadonlyMap<number, BaseState>>(new Map());
  const [outcomes, setOutcomes] = useState<ReadonlyMap<string, Outcome>>(new Map());
  const loadButton = useRef<HTMLButtonElement | null>(null);
  /** Base versions asked for (by this generation): each is fetched once however many drafts share it. */
  const askedBases = useRef(new Set<number>());
  const basesInFlight = useRef(new Set<number>());
  const items = useRef(new Map<string, HTMLLIElement | null>());
  /**
   * Focus to move once the render it waits for is done: the first draft a page brought, or a
   * draft's Copy text after an overlap took its Recover button away.
   */
  const focusAfterRender = useRef<{ id: string; copy: boolean } | null>(null);
  const idPrefix = useId();
  const blockedId = `${idPrefix}-blocked`;
  const draftPages = usePagedList(
    {
      pageSize: DRAFTS_PAGE_SIZE,
      fetchPage: (query) => api.listDrafts(documentId, query),
      // A draft renewed while paging moves to the top (docs/documents.md): never show it twice.
      keyOf: (draft: Draft) => draft.id,
      errorText: pageErrorText,
      onPage: ({ fresh, previous }) => {
        if (loadButton.current !== null && document.activeElement === loadButton.current) {
          // Focus goes on to the first draft the page brought, or to the last one as the button goes.
          const target = fresh[0]?.id ?? previous.at(-1)?.id;
          focusAfterRender.current = target === undefined ? null : { id: target, copy: false };
        }
        // Every base is fetched: a patch's text needs it, and so does any recovery's merge.
        for (const draft of fresh) {
          if (draft.baseVersion !== null && !askedBases.current.has(draft.baseVersion))
            void loadBase(draft.baseVersion);
        }
      },
      onReset: () => {
        askedBases.current = new Set();
        basesInFlight.current = new Set();
        setBases(new Map());
        setOutcomes(new Map());
      },
    },
    [api, documentId],
  );
  const { items: drafts, hasOlder, loading: loadingPage, pageError } = draftPages;

  function setOutcome(id: string, outcome: Outcome | null) {
    setOutcomes((previous) => {
      const next = new Map(previous);
      if (outcome) next.set(id, outcome);
      else next.delete(id);
      return next;
    });
  }

  async function loadBase(version: number) {
    // A Retry pressed twice asks once.
    if (basesInFlight.current.has(version)) return;
    const current = draftPages.answerGuard();
    askedBases.current.add(version);
    basesInFlight.current.add(version);
    setBases((previous) => new Map(previous).set(version, { status: 'loading' }));
    let state: BaseState;
    try {
      state = { status: 'ready', text: (await api.getVersion(documentId, version)).content };
    } catch (caught) {
      state =
        caught instanceof ConcordApiError && caught.status === 404
          ? { status: 'ready', text: GONE }
          : { status: 'error', message: describeError(caught) };
    }
    if (!current()) return;
    basesInFlight.current.delete(version);
    setBases((previous) => new Map(previous).set(version, state));
  }

  // Before paint: the button pressed may just have gone, and focus must not rest on <body>.
  useLayoutEffect(() => {
    const target = focusAfterRender.current;
    if (target === null) return;
    focusAfterRender.current = null;
    const item = items.current.get(target.id);
    (target.copy ? item?.querySelector<HTMLElement>('.copy-text') : item)?.focus();
  }, [drafts, outcomes]);

  function baseOf(draft: Draft): BaseState {
    if (draft.baseVersion === null) return { status: 'ready', text: null };
    return bases.get(draft.baseVersion) ?? { status: 'loading' };
  }

  function recover(draft: Draft, base: BaseText, text: string) {
    const merge = mergeBase(draft, base);
    if (!merge.ok) return;
    const plan = planRecovery(merge.base, text, currentText());
    if (plan.kind === 'overlap') {
      focusAfterRender.current = { id: draft.id, copy: true };
      setOutcome(draft.id, {
        kind: 'overlap',
        message:
          'This draft overlaps changes made to the document since, so it was not recovered and the document is unchanged. Copy its text to use it.',
      });
    } else if (plan.kind === 'present') {
      setOutcome(draft.id, {
        kind: 'present',
        message: 'The document already contains everything this draft changed.',
      });
    } else if (!onRecover(plan.text, draft)) {
      setOutcome(draft.id, {
        kind: 'failed',
        message: 'The editor is not ready yet. Try again in a moment.',
      });
    }
  }

  async function copy(draft: Draft, text: string) {
    setOutcome(draft.id, null);
    try {
      await navigator.clipboard.writeText(text);
      setOutcome(draft.id, { kind: 'copied', message: 'Copied the text of this draft.' });
    } catch (caught) {
      const reason = caught instanceof Error && caught.message ? ` (${caught.message})` : '';
      setOutcome(draft.id, {
        kind: 'failed',
        message: `Could not copy the text${reason}. Select it in the preview and copy it instead.`,
      });
    }
  }

  function renderDraft(draft: Draft) {
    const base = baseOf(draft);
    const metaId = `${idPrefix}-meta-${draft.id}`;
    const outcome = outcomes.get(draft.id);
    const version = draft.baseVersion ?? 0;
    let body: ReactNode;
    let actions: ReactNode = null;
    if (base.status === 'error' && needsBase(draft)) {
      body = (
        <p role="alert" className="error">
          Could not read version {draft.baseVersion} for this draft: {base.message}{' '}
          <button type="button" className="small" onClick={() => void loadBase(version)}>
            Retry
          </button>
        </p>
      );
    } else if (base.status === 'loading' && needsBase(draft)) {
      body = <p className="hint">Reading version {draft.baseVersion}…</p>;
    } else {
      const text = draftText(draft, base.status === 'ready' ? base.text : null);
      if (!text.ok) {
        body = <p className="hint">{NO_TEXT_REASONS[text.reason]} Nothing can be recovered from it.</p>;
      } else {
        const preview = previewOf(text.text);
        body = (
          <>
            <pre className="draft-preview" aria-label="Text of this draft">
              {preview.text}
              {preview.cut && '…'}
            </pre>
            {preview.cut && (
              <p className="hint">
                The first {preview.text.length} of {text.text.length} characters.
              </p>
            )}
          </>
        );
        const merge = base.status === 'ready' ? mergeBase(draft, base.text) : null;
        const overlapped = outcome?.kind === 'overlap';
        actions = (
          <>
            {merge && !merge.ok && <p className="hint">{merge.reason}</p>}
            {base.status === 'error' && (
              <p role="alert" className="error">
                Could not read version {draft.baseVersion}, which recovering needs: {base.message}{' '}
                <button type="button" className="small" onClick={() => void loadBase(version)}>
                  Retry
                </button>
              </p>
            )}
            <div className="actions">
              {/* An overlapping draft offers only its text: recovering it would need the merge UI. */}
              {merge?.ok !== false && !overlapped && (
                <button
                  type="button"
                  className="primary"
                  disabled={recoverBlocked !== null || base.status !== 'ready'}
                  aria-describedby={recoverBlocked !== null ? `${blockedId} ${metaId}` : metaId}
                  onClick={() => base.status === 'ready' && recover(draft, base.text, text.text)}
                >
                  Recover into the document
                </button>
              )}
              <button
                type="button"
                className="copy-text"
                aria-describedby={metaId}
                onClick={() => void copy(draft, text.text)}
              >
                Copy text
              </button>
            </div>
          </>
        );
      }
    }
    return (
      <li
        key={draft.id}
        className="draft"
        tabIndex={-1}
        ref={(element) => {
          items.current.set(draft.id, element);
        }}
      >
        <p className="draft-meta" id={metaId}>
          <time dateTime={draft.createdAt} title={exactTime(draft.createdAt)}>
            {relativeTime(draft.createdAt)}
          </time>{' '}
          ·{' '}
          {draft.baseVersion === null
            ? 'based on an unknown version'
            : `based on version ${draft.baseVersion}`}
        </p>
        {draft.title !== null && <p className="draft-title">Title: {draft.title}</p>}
        {body}
        {outcome && (
          <p
            className={outcome.kind === 'overlap' || outcome.kind === 'failed' ? 'error' : 'hint'}
            role={outcome.kind === 'overlap' || outcome.kind === 'failed' ? 'alert' : 'status'}
          >
            {outcome.message}
          </p>
        )}
        {actions}
      </li>
    );
  }

  return (
    <Modal title="Your rejected saves of this document" onClose={onClose} wide>
      <div className="stack drafts">
        <p className="hint">
          What you wrote here that the server refused because someone else had saved first, newest first. Each
          is kept for at least 7 days.
        </p>
        {recoverBlocked !== null && (
          <p className="notice" id={blockedId}>
            {recoverBlocked}
          </p>
        )}
        {drafts === null && loadingPage && !hasOlder && <p className="hint">Loading drafts…</p>}
        {drafts?.length === 0 && <p>No rejected saves are kept for you here.</p>}
        <ul
          className="draft-list"
          aria-label="Drafts"
          aria-busy={loadingPage || undefined}
          hidden={!drafts?.length}
        >
          {drafts?.map(renderDraft)}
        </ul>
        <PagedListFooter list={draftPages} buttonRef={loadButton}>
          {pageError
            ? 'Retry'
            : loadingPage
              ? drafts === null
                ? 'Loading drafts…'
                : 'Loading older drafts…'
              : 'Load older drafts'}
        </PagedListFooter>
      </div>
    </Modal>
  );
}
