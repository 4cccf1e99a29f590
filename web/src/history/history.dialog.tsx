import { type KeyboardEvent, useLayoutEffect, useRef, useState } from 'react';
import type { ConcordDocument, VersionListItem } from '@concord/shared';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { Modal } from '../ui/modal.component';
import { PagedListFooter } from '../ui/paged-list-footer.component';
import { exactTime, relativeTime } from '../ui/relative-time.util';
import { usePagedList } from '../ui/use-paged-list';
import { DiffView } from './diff-view.component';

interface HistoryDialogProps {
  documentId: string;
  /** The ETag of the version the editor holds: a restore is a PUT that must not overwrite blindly. */
  currentEtag: () => string;
  canRestore: boolean;
  onClose: () => void;
  onRestored: (document: ConcordDocument) => void;
}

/** Versions fetched per page: the newest first, then older ones on asking. */
export const VERSIONS_PAGE_SIZE = 100;

interface Selected {
  version: number;
  after: ConcordDocument;
  before: string;
}

export function HistoryDialog({ documentId, currentEtag, canRestore, onClose, onRestored }: HistoryDialogProps) {
  const { api } = useAuth();
  const [selected, setSelected] = useState<Selected | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The version asked for last: answers to earlier clicks that arrive after it are dropped. */
  const requested = useRef<number | null>(null);
  /** One Tab stop for the whole list (roving tabindex); arrows, Home and End move along it. */
  const [focusIndex, setFocusIndex] = useState(0);
  const buttons = useRef<Array<HTMLButtonElement | null>>([]);
  const loadButton = useRef<HTMLButtonElement | null>(null);
  /** A version button to focus once the page that brought it is rendered. */
  const focusAfterLoad = useRef<number | null>(null);
  const versionPages = usePagedList(
    {
      pageSize: VERSIONS_PAGE_SIZE,
      fetchPage: (query) => api.listVersions(documentId, query),
      keyOf: (item: VersionListItem) => item.version,
      order: (a, b) => b.version - a.version,
      onPage: ({ fresh, previous, items }) => {
        // Whoever pressed the button goes on to the first version it brought (or, at the end of the
        // history, to the last one, as the button is about to go): focus never falls to <body>.
        if (loadButton.current !== null && document.activeElement === loadButton.current) {
          focusAfterLoad.current =
            fresh.length > 0 ? previous.length : items.length > 0 ? items.length - 1 : null;
        }
      },
      onReset: () => {
        requested.current = null;
        setSelected(null);
        setFocusIndex(0);
      },
    },
    [api, documentId],
  );
  const { items: versions, hasOlder, loading: loadingPage } = versionPages;

  // Before paint: the load button may just have gone, and focus must not rest on <body>.
  useLayoutEffect(() => {
    const index = focusAfterLoad.current;
    if (index === null) return;
    focusAfterLoad.current = null;
    setFocusIndex(index);
    buttons.current[index]?.focus();
  }, [versions]);

  async function select(version: number) {
    requested.current = version;
    setError(null);
    try {
      const [after, before] = await Promise.all([
        api.getVersion(documentId, version),
        version > 1 ? api.getVersion(documentId, version - 1).then((doc) => doc.content) : Promise.resolve(''),
      ]);
      if (requested.current === version) setSelected({ version, after, before });
    } catch (caught) {
      if (requested.current === version) setError(describeError(caught));
    }
  }

  function moveFocus(event: KeyboardEvent<HTMLUListElement>) {
    if (!versions || versions.length === 0) return;
    const targets: Record<string, number> = { ArrowDown: focusIndex + 1, ArrowUp: focusIndex - 1, Home: 0, End: versions.length - 1 };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const index = Math.max(0, Math.min(versions.length - 1, target));
    setFocusIndex(index);
    buttons.current[index]?.focus();
  }

  async function restore() {
    if (!selected) return;
    setBusy(true);
    setError(null);
    try {
      // A restore is a new version with the old text, written against the current ETag.
      const restored = await api.putDocument(documentId, { content: selected.after.content }, { ifMatch: currentEtag() });
      onRestored(restored);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  const latest = versions?.[0]?.version;

  return (
    <Modal title="Version history" onClose={onClose} wide>
      <div className="history">
        <div className="stack">
          {versions === null && loadingPage && !hasOlder && <p className="hint">Loading versions…</p>}
          <ul
            className="versions"
            aria-label="Versions"
            aria-busy={loadingPage || undefined}
            hidden={versions === null}
            onKeyDown={moveFocus}
          >
            {versions?.map((item, index) => (
              <li key={item.version} aria-current={selected?.version === item.version ? 'true' : undefined}>
                <button
                  type="button"
                  className="version-button"
                  ref={(element) => {
                    buttons.current[index] = element;
                  }}
                  tabIndex={index === focusIndex ? 0 : -1}
                  onFocus={() => setFocusIndex(index)}
                  onClick={() => void select(item.version)}
                >
                  <span className="version-number">Version {item.version}</span>
                  <span className="meta">
                    {item.updatedBy.displayName} · <time title={exactTime(item.updatedAt)}>{relativeTime(item.updatedAt)}</time>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <PagedListFooter list={versionPages} buttonRef={loadButton}>
            {versions === null
              ? loadingPage
                ? 'Loading versions…'
                : 'Try again'
              : loadingPage
                ? 'Loading older versions…'
                : 'Load older versions'}
          </PagedListFooter>
        </div>
        <section className="version-detail" aria-label="Selected version">
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {selected ? (
            <>
              <h3>
                Version {selected.version} by {selected.after.updatedBy.displayName}, {exactTime(selected.after.updatedAt)}
              </h3>
              <DiffView before={selected.before} after={selected.after.content} />
              {selected.version === latest && <p className="hint">This is the current version.</p>}
              {canRestore && (
                <button type="button" className="primary" disabled={busy} onClick={() => void restore()}>
                  Restore this version
                </button>
              )}
            </>
          ) : (
            <p className="hint">Choose a version to see what it changed.</p>
          )}
        </section>
      </div>
    </Modal>
  );
}
