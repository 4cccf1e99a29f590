import '@testing-library/jest-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ConcordDocument, VersionListItem } from '@concord/shared';
import { ConcordApiError } from '@concord/shared';
import { HistoryDialog, VERSIONS_PAGE_SIZE } from './history.dialog';

const DOC_ID = '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11';
const author = { id: '5d3c1c1e-2222-4a8e-9d53-3f1f2b6f4a11', username: 'bob', displayName: 'Bob Builder' };

function versionDoc(version: number): ConcordDocument {
  return {
    id: DOC_ID,
    title: 'Story',
    slug: 'story',
    content: `text of version ${version}\n`,
    version,
    state: 'active',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
    updatedBy: author,
    etag: `"x.v${version}"`,
  };
}

/** Each getVersion answers when the test says so. */
const pending = new Map<number, (document: ConcordDocument) => void>();
const api = {
  listVersions: jest.fn<Promise<VersionListItem[]>, [string, { limit?: number; before?: number }?]>(),
  getVersion: jest.fn(
    (_id: string, version: number) => new Promise<ConcordDocument>((resolve) => pending.set(version, resolve)),
  ),
};
jest.mock('../auth/auth.context', () => ({ useAuth: () => ({ api }) }));

const item = (version: number): VersionListItem => ({ version, updatedAt: '2026-11-25T10:00:00.000Z', updatedBy: author });

/** What the server answers for a history of `count` versions: newest first, `before` and `limit` applied. */
function serverPage(count: number, options: { limit?: number; before?: number } = {}): VersionListItem[] {
  const newest = Math.min(count, (options.before ?? count + 1) - 1);
  const size = Math.max(0, Math.min(options.limit ?? count, newest));
  return Array.from({ length: size }, (_, index) => item(newest - index));
}

function serveHistory(count: number) {
  api.listVersions.mockImplementation((_id, options) => Promise.resolve(serverPage(count, options)));
}

function renderDialog() {
  render(<HistoryDialog documentId={DOC_ID} currentEtag={() => '"x.v1"'} canRestore onClose={jest.fn()} onRestored={jest.fn()} />);
}

async function renderWithVersions(count: number) {
  serveHistory(count);
  renderDialog();
  await screen.findByRole('button', { name: /^Version 1\b/ });
}

/** Renders a history of `count` versions and waits for its first page. */
async function renderLongHistory(count: number) {
  serveHistory(count);
  renderDialog();
  await versionButton(count);
}

// Plain DOM and text look-ups: role queries compute every button's name, slow over hundreds of them.
const versionList = () => screen.getByRole('list', { name: 'Versions' });
const versionButtons = () => Array.from(versionList().querySelectorAll<HTMLButtonElement>('li > button'));
const versionNumbers = () => Array.from(versionList().querySelectorAll('.version-number'), (span) => Number(span.textContent?.replace('Version ', '')));
/** A version's button, once it is shown. */
const versionButton = async (version: number) => (await screen.findByText(`Version ${version}`)).closest('button') as HTMLButtonElement;
const loadOlder = () => screen.queryByText('Load older versions')?.closest('button') ?? null;

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const answer = (version: number) =>
  act(async () => {
    pending.get(version)?.(versionDoc(version));
    await Promise.resolve();
  });

describe('HistoryDialog', () => {
  beforeEach(() => {
    pending.clear();
    api.listVersions.mockReset();
  });

  it('shows the version clicked last, even when an earlier click is answered after it', async () => {
    await renderWithVersions(5);
    await userEvent.click(screen.getByRole('button', { name: /^Version 2\b/ }));
    await userEvent.click(screen.getByRole('button', { name: /^Version 4\b/ }));
    await answer(4);
    await answer(3);
    await answer(2);
    await answer(1);
    const detail = screen.getByRole('region', { name: 'Selected version' });
    expect(within(detail).getByRole('heading')).toHaveTextContent('Version 4 by Bob Builder');
  });

  it('is one Tab stop however many versions, walked with the arrow keys, Home and End', async () => {
    await renderWithVersions(50);
    const list = screen.getByRole('list', { name: 'Versions' });
    const buttons = within(list).getAllByRole('button');
    expect(buttons.filter((button) => button.tabIndex === 0)).toHaveLength(1);
    buttons[0].focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(buttons[2]).toHaveFocus();
    await userEvent.keyboard('{End}');
    expect(buttons[49]).toHaveFocus();
    await userEvent.keyboard('{ArrowDown}{Home}{ArrowUp}');
    expect(buttons[0]).toHaveFocus();
    expect(buttons.filter((button) => button.tabIndex === 0)).toEqual([buttons[0]]);
  });
  describe('paging through a long history', () => {
    it('shows the newest page of versions first, newest at the top, and offers older ones', async () => {
      await renderLongHistory(250);
      expect(api.listVersions).toHaveBeenCalledTimes(1);
      expect(api.listVersions).toHaveBeenCalledWith(DOC_ID, { limit: VERSIONS_PAGE_SIZE });
      expect(VERSIONS_PAGE_SIZE).toBe(100);
      const shown = versionNumbers();
      expect(shown).toHaveLength(100);
      expect(shown[0]).toBe(250);
      expect(shown[99]).toBe(151);
      expect(loadOlder()).toBeInTheDocument();
      // One item per version: the button is not one of the list's items.
      expect(versionList()).not.toContainElement(loadOlder());
      expect(loadOlder()).toHaveAccessibleName('Load older versions');
    });

    it('appends the next page, asking for versions older than the oldest shown, until the history ends', async () => {
      await renderLongHistory(250);
      await userEvent.click(loadOlder()!);
      await versionButton(51);
      expect(api.listVersions).toHaveBeenLastCalledWith(DOC_ID, { limit: 100, before: 151 });
      expect(versionNumbers()).toEqual(Array.from({ length: 200 }, (_, index) => 250 - index));

      await userEvent.click(loadOlder()!);
      await versionButton(1);
      expect(api.listVersions).toHaveBeenLastCalledWith(DOC_ID, { limit: 100, before: 51 });
      expect(versionNumbers()).toEqual(Array.from({ length: 250 }, (_, index) => 250 - index));
      // A short page is the end: nothing older to offer.
      expect(loadOlder()).toBeNull();
      expect(api.listVersions).toHaveBeenCalledTimes(3);
    });

    it('takes an empty page (a history that ends exactly on a page boundary) as the end', async () => {
      await renderLongHistory(200);
      await userEvent.click(loadOlder()!);
      await versionButton(1);
      expect(loadOlder()).toBeInTheDocument();
      await userEvent.click(loadOlder()!);
      await waitFor(() => expect(loadOlder()).toBeNull());
      expect(api.listVersions).toHaveBeenLastCalledWith(DOC_ID, { limit: 100, before: 1 });
      expect(versionNumbers()).toHaveLength(200);
    });

    it('offers nothing more when the whole history fits on the first page', async () => {
      await renderWithVersions(40);
      expect(versionNumbers()).toHaveLength(40);
      expect(loadOlder()).toBeNull();
      expect(api.listVersions).toHaveBeenCalledTimes(1);
    });

    it('says why a page failed and lets the same button try again', async () => {
      await renderLongHistory(250);
      api.listVersions.mockRejectedValueOnce(
        new ConcordApiError(503, {
          type: 'urn:concord:problem:service-unavailable',
          title: 'Service Unavailable',
          status: 503,
          detail: 'The database is busy.',
          instance: `/api/documents/${DOC_ID}/versions`,
          code: 'service_unavailable',
        }),
      );
      await userEvent.click(loadOlder()!);
      expect(await screen.findByRole('alert')).toHaveTextContent('The database is busy.');
      expect(versionNumbers()).toHaveLength(100);
      const retry = loadOlder()!;
      expect(retry).not.toHaveAttribute('aria-disabled');

      await userEvent.click(retry);
      await versionButton(51);
      expect(screen.queryByRole('alert')).toBeNull();
      expect(api.listVersions).toHaveBeenLastCalledWith(DOC_ID, { limit: 100, before: 151 });
      expect(versionNumbers()).toHaveLength(200);
    });

    it('offers to try again when even the first page fails', async () => {
      api.listVersions.mockRejectedValueOnce(new TypeError('Failed to fetch'));
      renderDialog();
      expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the server');
      serveHistory(250);
      await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
      await versionButton(250);
      expect(api.listVersions).toHaveBeenLastCalledWith(DOC_ID, { limit: 100 });
      expect(versionNumbers()).toHaveLength(100);
      expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
      expect(loadOlder()).toBeInTheDocument();
    });

    it('asks for a page once however often the button is pressed while it loads, and shows that it is loading', async () => {
      await renderLongHistory(250);
      const page = deferred<VersionListItem[]>();
      api.listVersions.mockImplementationOnce(() => page.promise);
      await userEvent.dblClick(loadOlder()!);
      const busy = screen.getByText('Loading older versions…');
      expect(busy.tagName).toBe('BUTTON');
      expect(busy).toHaveAttribute('aria-disabled', 'true');
      await userEvent.click(busy);
      await userEvent.keyboard('{Enter}');
      expect(api.listVersions).toHaveBeenCalledTimes(2);

      await act(async () => {
        page.resolve(serverPage(250, { limit: 100, before: 151 }));
        await page.promise;
      });
      expect(versionNumbers()).toHaveLength(200);
      expect(new Set(versionNumbers()).size).toBe(200);
      expect(loadOlder()).not.toHaveAttribute('aria-disabled');
    });

    it('keeps the list one Tab stop: newly loaded versions join it, End reaches them, and focus moves on to them', async () => {
      await renderLongHistory(250);
      versionButtons()[0].focus();
      await userEvent.keyboard('{End}');
      expect(versionButtons()[99]).toHaveFocus();

      await userEvent.tab();
      expect(loadOlder()).toHaveFocus();
      await userEvent.keyboard('{Enter}');
      await versionButton(51);
      // The first version the page brought has focus (and the Tab stop); nothing fell to <body>.
      expect(versionButtons()[100]).toHaveFocus();
      expect(versionButtons().filter((button) => button.tabIndex === 0)).toEqual([versionButtons()[100]]);
      await userEvent.keyboard('{End}');
      expect(versionButtons()[199]).toHaveFocus();
      await userEvent.keyboard('{ArrowDown}');
      expect(versionButtons()[199]).toHaveFocus();
      await userEvent.keyboard('{Home}{ArrowDown}');
      expect(versionButtons()[1]).toHaveFocus();

      // The last page: the button goes, and focus goes on to the versions it brought.
      await userEvent.keyboard('{End}');
      await userEvent.tab();
      expect(loadOlder()).toHaveFocus();
      await userEvent.keyboard('{Enter}');
      await versionButton(1);
      expect(loadOlder()).toBeNull();
      expect(versionButtons()[200]).toHaveFocus();
      await userEvent.keyboard('{End}');
      expect(versionButtons()[249]).toHaveFocus();
      expect(versionButtons().filter((button) => button.tabIndex === 0)).toEqual([versionButtons()[249]]);
    });

    it('keeps focus inside the dialog when an empty last page takes the button away', async () => {
      await renderLongHistory(100);
      loadOlder()!.focus();
      await userEvent.keyboard('{Enter}');
      await waitFor(() => expect(loadOlder()).toBeNull());
      expect(versionButtons()[99]).toHaveFocus();
    });

    it('keeps the selected version, and the last click wins, across loading older pages', async () => {
      await renderLongHistory(250);
      await userEvent.click(await versionButton(200));
      await userEvent.click(loadOlder()!);
      await versionButton(51);
      await userEvent.click(await versionButton(60));
      await answer(60);
      await answer(59);
      await answer(200);
      await answer(199);
      const detail = screen.getByRole('region', { name: 'Selected version' });
      expect(within(detail).getByRole('heading')).toHaveTextContent('Version 60 by Bob Builder');
      expect((await versionButton(60)).closest('li')).toHaveAttribute('aria-current', 'true');

      await userEvent.click(loadOlder()!);
      await versionButton(1);
      expect(within(detail).getByRole('heading')).toHaveTextContent('Version 60 by Bob Builder');
      expect((await versionButton(60)).closest('li')).toHaveAttribute('aria-current', 'true');
    });
  });
});
