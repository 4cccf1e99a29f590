import { act, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { alice, bob, DOC_ID, type FakeSocket, serverDoc } from './editor.fixtures';
import { EditorPage } from './editor.page';

// Kept apart from editor.fixtures.ts, whose pure specs (sync machine, live session) need no React.

/**
 * Bob's editor page on the document, its socket connected and its join answered with the document
 * at `version` (last written by Alice). The spec mocks socket.io-client to hand out `socket`, and
 * useAuth to be Bob.
 */
export async function openAsBob(socket: FakeSocket, { version = 1, content = 'Shared text' } = {}) {
  render(
    <MemoryRouter initialEntries={[`/d/${DOC_ID}`]}>
      <Routes>
        <Route path="/d/:id" element={<EditorPage />} />
        <Route path="/" element={<p>the document list</p>} />
      </Routes>
    </MemoryRouter>,
  );
  await act(async () => {
    socket.connected = true;
    socket.fire('connect');
    socket
      .sent('join')[0]
      .reply({ ok: true, document: serverDoc(version, content, alice), presence: [alice, bob] });
    await Promise.resolve();
  });
  await screen.findByText(`Saved · version ${version}`);
}
