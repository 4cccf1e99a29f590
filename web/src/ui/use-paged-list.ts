import { type DependencyList, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/api.client';

/** A page to ask for: the newest `limit` items, or the `limit` just older than the item keyed `before`. */
export type PageQuery<K> = { limit: number } | { limit: number; before: K };

export interface PagedListOptions<T, K> {
  pageSize: number;
  fetchPage: (query: PageQuery<K>) => Promise<T[]>;
  /** An item's identity, and the cursor for the page after it. */
  keyOf: (item: T) => K;
  /** Keeps the whole list in this order; without it each page's new items are appended as they came. */
  order?: (a: T, b: T) => number;
  /** What a failed page says: describeError's sentence unless told otherwise. */
  errorText?: (caught: unknown) => string;
  /** Each page for the list shown, once its items are known: `fresh` are the ones not shown before. */
  onPage?: (page: { fresh: T[]; previous: T[]; items: T[] }) => void;
  /** The caller's own state to clear when the list starts over. */
  onReset?: () => void;
}

export interface PagedList<T> {
  /** Null until the first page answers. */
  items: T[] | null;
  /** Whether older items may remain (or a failed page is to be asked for again). */
  hasOlder: boolean;
  loading: boolean;
  pageError: string | null;
  loadPage: () => Promise<void>;
  /** Taken when a request goes out: false once the list starts over or the dialog goes, to drop its answer. */
  answerGuard: () => () => boolean;
}

/**
 * A list read page by page, newest first, that starts over whenever `resetOn` changes: one page asked
 * for at a time, answers for an earlier list dropped, and an item that reappears in a later page (moved
 * while paging) shown once.
 */
export function usePagedList<T, K>(options: PagedListOptions<T, K>, resetOn: DependencyList): PagedList<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loading, setLoading] = useState(false);
  const [pageError, setPageError] = useState<string | null>(null);
  /** Set synchronously, so that a double click (or Enter held down) asks for a page once. */
  const inFlight = useRef(false);
  /** Bumped when the list starts over or the dialog goes: an answer arriving after that is dropped. */
  const generation = useRef(0);
  /** The items shown, for building the next request without waiting for a render. */
  const shown = useRef<T[]>([]);
  /** The latest callbacks: a page asked for earlier still reports to the current render's. */
  const latest = useRef(options);
  latest.current = options;

  function answerGuard() {
    const mine = generation.current;
    return () => generation.current === mine;
  }

  async function loadPage() {
    if (inFlight.current) return;
    inFlight.current = true;
    const current = answerGuard();
    const { pageSize, fetchPage, keyOf, order } = latest.current;
    const oldest = shown.current.at(-1);
    setLoading(true);
    setPageError(null);
    try {
      const page = await fetchPage(
        oldest === undefined ? { limit: pageSize } : { limit: pageSize, before: keyOf(oldest) },
      );
      if (!current()) return;
      const known = new Set(shown.current.map(keyOf));
      const fresh = page.filter((item) => !known.has(keyOf(item)));
      const previous = shown.current;
      const merged = [...previous, ...fresh];
      if (order) merged.sort(order);
      shown.current = merged;
      setItems(merged);
      // A full page may be followed by more, a short one is the end; so is one with nothing new.
      setHasOlder(page.length >= pageSize && fresh.length > 0);
      latest.current.onPage?.({ fresh, previous, items: merged });
    } catch (caught) {
      if (!current()) return;
      setPageError((latest.current.errorText ?? describeError)(caught));
      // The page is still there to ask for: the button (Try again, for the first) offers it.
      setHasOlder(true);
    } finally {
      if (current()) {
        inFlight.current = false;
        setLoading(false);
      }
    }
  }

  useEffect(() => {
    generation.current += 1;
    inFlight.current = false;
    shown.current = [];
    latest.current.onReset?.();
    setItems(null);
    setHasOlder(false);
    setPageError(null);
    void loadPage();
    return () => {
      generation.current += 1;
    };
    // Only a new document (say) starts the list over; loadPage reads everything else through refs.
  }, resetOn);

  return { items, hasOlder, loading, pageError, loadPage, answerGuard };
}
