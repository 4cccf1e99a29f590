import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { DocumentListItem } from '@concord/shared';
import { describeError } from '../api/api.client';
import { useAuth } from '../auth/auth.context';
import { exactTime, relativeTime } from '../ui/relative-time.util';
import { NewDocumentDialog } from './new-document.dialog';

type Filter = 'active' | 'archived' | 'all';

export function DocumentListPage() {
  const { api } = useAuth();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<Filter>('active');
  const [items, setItems] = useState<DocumentListItem[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(
    async (cursor?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.listDocuments({ q: query.trim() || undefined, state: filter, cursor });
        setItems((previous) => (cursor ? [...previous, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
      } catch (caught) {
        setError(describeError(caught));
      } finally {
        setLoading(false);
      }
    },
    [api, query, filter],
  );

  useEffect(() => {
    // Debounced so typing in the search box does not send a request per keystroke.
    const timer = setTimeout(() => void load(), 200);
    return () => clearTimeout(timer);
  }, [load]);

  async function toggleArchived(item: DocumentListItem) {
    try {
      if (item.state === 'active') await api.archiveDocument(item.id, { ifMatch: item.etag });
      else await api.restoreDocument(item.id, { ifMatch: item.etag });
      await load();
    } catch (caught) {
      setError(describeError(caught));
    }
  }

  return (
    <main className="page list-page">
      <div className="toolbar">
        <h1>Documents</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New document
        </button>
      </div>
      <div className="filters">
        <input type="search" aria-label="Search documents" placeholder="Search documents" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label className="inline">
          Show
          <select value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            <option value="active">Active</option>
            <option value="archived">Archived</option>
            <option value="all">All</option>
          </select>
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul className="document-list" aria-label="Documents" aria-busy={loading}>
        {items.map((item) => (
          <li key={item.id} className="document-row">
            <div>
              <Link to={`/d/${item.id}`}>{item.title}</Link>
              {item.state === 'archived' && <span className="badge">archived</span>}
              <div className="meta">
                v{item.version} · edited by {item.updatedBy.displayName} <time title={exactTime(item.updatedAt)}>{relativeTime(item.updatedAt)}</time> ·{' '}
                {item.role}
              </div>
            </div>
            {item.role === 'owner' && (
              <button type="button" className="small" onClick={() => void toggleArchived(item)} aria-label={`${item.state === 'active' ? 'Archive' : 'Unarchive'} ${item.title}`}>
                {item.state === 'active' ? 'Archive' : 'Unarchive'}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!loading && items.length === 0 && !error && <p className="empty">{query ? 'No documents match your search.' : 'No documents yet. Create one to start writing.'}</p>}
      {nextCursor && (
        <button type="button" onClick={() => void load(nextCursor)} disabled={loading}>
          Load more
        </button>
      )}
      {creating && <NewDocumentDialog onClose={() => setCreating(false)} onCreated={(id) => void navigate(`/d/${id}`)} />}
    </main>
  );
}
