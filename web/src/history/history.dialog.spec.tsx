import '@testing-library/jest-dom';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ConcordDocument, VersionListItem } from '@concord/shared';
import { HistoryDialog } from './history.dialog';

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
  listVersions: jest.fn<Promise<VersionListItem[]>, [string]>(),
  getVersion: jest.fn(
    (_id: string, version: number) => new Promise<ConcordDocument>((resolve) => pending.set(version, resolve)),
  ),
};
jest.mock('../auth/auth.context', () => ({ useAuth: () => ({ api }) }));

async function renderWithVersions(count: number) {
  api.listVersions.mockResolvedValue(
    Array.from({ length: count }, (_, index) => ({ version: index + 1, updatedAt: '2026-11-25T10:00:00.000Z', updatedBy: author })),
  );
  render(<HistoryDialog documentId={DOC_ID} currentEtag={() => '"x.v1"'} canRestore onClose={jest.fn()} onRestored={jest.fn()} />);
  await screen.findByRole('button', { name: /^Version 1\b/ });
}

const answer = (version: number) =>
  act(async () => {
    pending.get(version)?.(versionDoc(version));
    await Promise.resolve();
  });

describe('HistoryDialog', () => {
  beforeEach(() => pending.clear());

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
});
