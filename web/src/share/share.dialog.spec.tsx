import '@testing-library/jest-dom';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { ConcordApiError, type Member, type UserSummary } from '@concord/shared';
import { ShareDialog } from './share.dialog';

const DOC_ID = '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11';
const alice: UserSummary = {
  id: '5d3c1c1e-1111-4a8e-9d53-3f1f2b6f4a11',
  username: 'alice',
  displayName: 'Alice',
};
const bob: UserSummary = { id: '5d3c1c1e-2222-4a8e-9d53-3f1f2b6f4a11', username: 'bob', displayName: 'Bob' };
const carol: UserSummary = {
  id: '5d3c1c1e-3333-4a8e-9d53-3f1f2b6f4a11',
  username: 'carol',
  displayName: 'Carol',
};

const members: Member[] = [
  { user: alice, role: 'owner' },
  { user: bob, role: 'editor' },
  { user: carol, role: 'viewer' },
];

function problem(status: number, code: string, detail: string) {
  return new ConcordApiError(status, {
    type: `https://concord.example/problems/${code}`,
    title: code,
    status,
    detail,
    instance: `/api/documents/${DOC_ID}/members`,
    code,
  } as ConstructorParameters<typeof ConcordApiError>[1]);
}

const api = {
  addMember: jest.fn(),
  updateMember: jest.fn<Promise<Member>, [string, string, { role: 'editor' | 'viewer' }]>(),
  removeMember: jest.fn<Promise<void>, [string, string]>(),
};
let signedIn: UserSummary = alice;
jest.mock('../auth/auth.context', () => ({ useAuth: () => ({ api, user: signedIn }) }));

function renderDialog(as: UserSummary) {
  signedIn = as;
  const handlers = { onChanged: jest.fn(), onClose: jest.fn(), onLeaving: jest.fn() };
  render(
    <MemoryRouter initialEntries={[`/d/${DOC_ID}`]}>
      <Routes>
        <Route
          path="/d/:id"
          element={
            <ShareDialog documentId={DOC_ID} members={members} isOwner={as.id === alice.id} {...handlers} />
          }
        />
        <Route path="/" element={<p>the document list</p>} />
      </Routes>
    </MemoryRouter>,
  );
  return { ...handlers, dialog: screen.getByRole('dialog', { name: 'Share' }) };
}

describe('ShareDialog', () => {
  beforeEach(() => {
    api.addMember.mockReset();
    api.updateMember.mockReset();
    api.removeMember.mockReset();
  });

  describe('for the owner', () => {
    it('gives each other member a role choice and a Remove button, and the owner’s own row neither', () => {
      const { dialog } = renderDialog(alice);
      expect(within(dialog).getByRole('combobox', { name: 'Role of Bob' })).toHaveValue('editor');
      expect(within(dialog).getByRole('combobox', { name: 'Role of Carol' })).toHaveValue('viewer');
      expect(within(dialog).getByRole('button', { name: 'Remove Bob' })).toBeEnabled();
      expect(within(dialog).getByRole('button', { name: 'Remove Carol' })).toBeEnabled();
      expect(within(dialog).queryByRole('combobox', { name: 'Role of Alice' })).toBeNull();
      expect(within(dialog).queryByRole('button', { name: 'Remove Alice' })).toBeNull();
      expect(within(dialog).queryByRole('button', { name: 'Leave document' })).toBeNull();
      const options = within(within(dialog).getByRole('combobox', { name: 'Role of Bob' })).getAllByRole(
        'option',
      );
      expect(options.map((option) => option.textContent)).toEqual(['Editor (can edit)', 'Viewer (can read)']);
      // The add form keeps its names.
      expect(within(dialog).getByRole('textbox', { name: 'Username' })).toBeInTheDocument();
      expect(within(dialog).getByRole('combobox', { name: 'Role' })).toBeInTheDocument();
      expect(within(dialog).getByRole('button', { name: 'Add member' })).toBeInTheDocument();
    });

    it('changes a member’s role, says so and refreshes the list', async () => {
      api.updateMember.mockResolvedValue({ user: bob, role: 'viewer' });
      const { dialog, onChanged } = renderDialog(alice);
      const select = within(dialog).getByRole('combobox', { name: 'Role of Bob' });
      await userEvent.selectOptions(select, 'viewer');
      expect(api.updateMember).toHaveBeenCalledWith(DOC_ID, bob.id, { role: 'viewer' });
      expect(await within(dialog).findByText('Bob can now only read this document.')).toBeInTheDocument();
      expect(select).toHaveValue('viewer');
      expect(onChanged).toHaveBeenCalledTimes(1);
    });

    it('shows why a role change was refused and puts the choice back', async () => {
      api.updateMember.mockRejectedValue(
        problem(403, 'forbidden', 'Only the owner may change what members can do.'),
      );
      const { dialog, onChanged } = renderDialog(alice);
      const select = within(dialog).getByRole('combobox', { name: 'Role of Carol' });
      await userEvent.selectOptions(select, 'editor');
      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'Only the owner may change what members can do.',
      );
      expect(select).toHaveValue('viewer');
      expect(onChanged).not.toHaveBeenCalled();
    });

    it('removes a member, keeps focus in the dialog and refreshes the list', async () => {
      api.removeMember.mockResolvedValue(undefined);
      const { dialog, onChanged } = renderDialog(alice);
      await userEvent.click(within(dialog).getByRole('button', { name: 'Remove Bob' }));
      expect(api.removeMember).toHaveBeenCalledWith(DOC_ID, bob.id);
      expect(
        await within(dialog).findByText('Bob no longer has access to this document.'),
      ).toBeInTheDocument();
      expect(onChanged).toHaveBeenCalledTimes(1);
      expect(within(dialog).getByRole('list', { name: 'Members' })).toHaveFocus();
    });

    it('shows why a removal was refused', async () => {
      api.removeMember.mockRejectedValue(
        problem(404, 'not_found', 'That user is not a member of this document.'),
      );
      const { dialog, onChanged } = renderDialog(alice);
      await userEvent.click(within(dialog).getByRole('button', { name: 'Remove Carol' }));
      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'That user is not a member of this document.',
      );
      expect(onChanged).not.toHaveBeenCalled();
    });
  });

  describe('for a member who is not the owner', () => {
    it('shows roles as words, with nothing to change them', () => {
      const { dialog } = renderDialog(bob);
      expect(within(dialog).queryByRole('combobox')).toBeNull();
      expect(within(dialog).queryByRole('button', { name: /^Remove/ })).toBeNull();
      expect(within(dialog).queryByRole('button', { name: 'Add member' })).toBeNull();
      expect(within(dialog).getByRole('list', { name: 'Members' })).toHaveTextContent('can read');
    });

    it('Leave document asks first; Cancel goes back to the button without leaving', async () => {
      const { dialog } = renderDialog(bob);
      await userEvent.click(within(dialog).getByRole('button', { name: 'Leave document' }));
      const question = within(dialog).getByRole('group', { name: /Leave this document\?/ });
      expect(within(question).getByRole('button', { name: 'Cancel' })).toHaveFocus();
      await userEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
      expect(within(dialog).queryByRole('group')).toBeNull();
      expect(within(dialog).getByRole('button', { name: 'Leave document' })).toHaveFocus();
      expect(api.removeMember).not.toHaveBeenCalled();
    });

    it('leaving removes the signed-in member and goes to the document list', async () => {
      api.removeMember.mockResolvedValue(undefined);
      const { dialog, onLeaving } = renderDialog(bob);
      await userEvent.click(within(dialog).getByRole('button', { name: 'Leave document' }));
      await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, leave' }));
      expect(api.removeMember).toHaveBeenCalledWith(DOC_ID, bob.id);
      expect(onLeaving).toHaveBeenCalledWith(true);
      expect(await screen.findByText('the document list')).toBeInTheDocument();
      expect(screen.queryByRole('dialog')).toBeNull();
    });

    it('a refused leave says why and stays', async () => {
      let refuse: (error: unknown) => void = () => undefined;
      api.removeMember.mockReturnValue(
        new Promise<void>((_resolve, reject) => {
          refuse = reject;
        }),
      );
      const { dialog, onLeaving } = renderDialog(bob);
      await userEvent.click(within(dialog).getByRole('button', { name: 'Leave document' }));
      await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, leave' }));
      expect(within(dialog).getByRole('button', { name: 'Yes, leave' })).toBeDisabled();
      await act(async () => {
        refuse(new TypeError('Failed to fetch'));
        await Promise.resolve();
      });
      expect(within(dialog).getByRole('alert')).toHaveTextContent('Cannot reach the server.');
      expect(onLeaving.mock.calls).toEqual([[true], [false]]);
      expect(within(dialog).getByRole('button', { name: 'Yes, leave' })).toBeEnabled();
      expect(screen.queryByText('the document list')).toBeNull();
    });
  });
});
