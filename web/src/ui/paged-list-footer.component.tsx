import type { ReactNode, Ref } from 'react';
import type { PagedList } from './use-paged-list';

interface PagedListFooterProps {
  list: PagedList<unknown>;
  /** The dialog's, to tell whether a page came from the button (focus then moves on to what it brought). */
  buttonRef: Ref<HTMLButtonElement>;
  /** The button's label. */
  children: ReactNode;
}

/** Below a paged list: why its last page failed, and the button for the next page (or that one again). */
export function PagedListFooter({ list, buttonRef, children }: PagedListFooterProps) {
  return (
    <>
      {list.pageError && (
        <p role="alert" className="error">
          {list.pageError}
        </p>
      )}
      {list.hasOlder && (
        // aria-disabled, not disabled, while a page loads: a disabled button would drop focus to <body>.
        <button
          type="button"
          ref={buttonRef}
          aria-disabled={list.loading || undefined}
          onClick={() => void list.loadPage()}
        >
          {children}
        </button>
      )}
    </>
  );
}
