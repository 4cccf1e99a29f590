import { act, renderHook } from '@testing-library/react';
import { type PageQuery, usePagedList } from './use-paged-list';

// What the dialogs' specs cannot easily stage: items moving between pages, and answers for a list
// that has since started over.

interface Item {
  key: number;
}

const items = (...keys: number[]): Item[] => keys.map((key) => ({ key }));

/** Each fetch waits for the test to answer it, in the order asked. */
function pagesAnsweredByHand() {
  const asked: Array<{ query: PageQuery<number>; answer: (page: Item[]) => Promise<void> }> = [];
  const fetchPage = jest.fn(
    (query: PageQuery<number>) =>
      new Promise<Item[]>((resolve) => {
        asked.push({
          query,
          answer: (page) =>
            act(async () => {
              resolve(page);
              await Promise.resolve();
            }),
        });
      }),
  );
  return { asked, fetchPage };
}

const keys = (list: Item[] | null) => list?.map((item) => item.key) ?? null;

describe('usePagedList', () => {
  it('shows an item that comes again in a later page once, and takes a full page of known items as the end', async () => {
    const { asked, fetchPage } = pagesAnsweredByHand();
    const onPage = jest.fn();
    const { result } = renderHook(() =>
      usePagedList({ pageSize: 2, fetchPage, keyOf: (item: Item) => item.key, onPage }, []),
    );
    await asked[0].answer(items(9, 8));
    act(() => void result.current.loadPage());
    expect(asked[1].query).toEqual({ limit: 2, before: 8 });
    await asked[1].answer(items(8, 7));
    expect(keys(result.current.items)).toEqual([9, 8, 7]);
    expect(onPage).toHaveBeenLastCalledWith({
      fresh: items(7),
      previous: items(9, 8),
      items: items(9, 8, 7),
    });
    expect(result.current.hasOlder).toBe(true);

    act(() => void result.current.loadPage());
    await asked[2].answer(items(9, 8));
    expect(keys(result.current.items)).toEqual([9, 8, 7]);
    expect(result.current.hasOlder).toBe(false);
  });

  it('sorts the whole list when given an order, new items wherever they belong', async () => {
    const { asked, fetchPage } = pagesAnsweredByHand();
    const { result } = renderHook(() =>
      usePagedList(
        {
          pageSize: 2,
          fetchPage,
          keyOf: (item: Item) => item.key,
          order: (a: Item, b: Item) => b.key - a.key,
        },
        [],
      ),
    );
    await asked[0].answer(items(9, 7));
    act(() => void result.current.loadPage());
    await asked[1].answer(items(8, 3));
    expect(keys(result.current.items)).toEqual([9, 8, 7, 3]);
  });

  it('drops answers for a list that has started over or gone', async () => {
    const { asked, fetchPage } = pagesAnsweredByHand();
    const onPage = jest.fn();
    const onReset = jest.fn();
    const { result, rerender, unmount } = renderHook(
      ({ document }) =>
        usePagedList({ pageSize: 2, fetchPage, keyOf: (item: Item) => item.key, onPage, onReset }, [
          document,
        ]),
      { initialProps: { document: 'a' } },
    );
    const stillA = result.current.answerGuard();
    expect(onReset).toHaveBeenCalledTimes(1);

    rerender({ document: 'b' });
    expect(onReset).toHaveBeenCalledTimes(2);
    expect(stillA()).toBe(false);
    // The new list asks for its first page at once, though the old one's is still on its way.
    expect(asked.map((request) => request.query)).toEqual([{ limit: 2 }, { limit: 2 }]);
    await asked[0].answer(items(1));
    expect(result.current.items).toBeNull();
    expect(result.current.loading).toBe(true);
    await asked[1].answer(items(5));
    expect(keys(result.current.items)).toEqual([5]);
    expect(result.current.loading).toBe(false);
    expect(onPage).toHaveBeenCalledTimes(1);

    act(() => void result.current.loadPage());
    unmount();
    await asked[2].answer(items(4, 3));
    expect(onPage).toHaveBeenCalledTimes(1);
  });
});
