// Access control (CONTRACT §2), table-driven, on both databases: every document route and socket
// event for the owner, an editor, a viewer and an outsider. Writes carry a stale If-Match, so
// nothing is changed and the answer shows who got past the access check (409) and who did not
// (403 for a viewer, 404 for an outsider: no existence leak, in status, words or work done).
import type { AuthResponse, ConcordDocument, DocumentList, Draft, Problem } from '@concord/shared';
import { makePatch } from '@concord/shared';
import { DataSource } from 'typeorm';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the statement every document read runs is a server internal
import { VISIBLE_DOCUMENT } from '../../server/src/documents/document-rows';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above: the read behind a group of socket edits
import { EDITORS_DOCUMENT } from '../../server/src/documents/documents.service';
import { describeE2E, type HttpResponse, useSuiteServer } from '../support';
import { closeAllClients, connectClient, quietFor, record, send } from './realtime.helpers';

jest.setTimeout(60_000);

const STALE = '"not-a-current-etag"';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
type Role = 'owner' | 'editor' | 'viewer' | 'outsider';
const ROLES: Role[] = ['owner', 'editor', 'viewer', 'outsider'];

interface Route {
  name: string;
  method: string;
  path: (id: string, as: Record<Role, AuthResponse>) => string;
  body?: (as: Record<Role, AuthResponse>) => unknown;
  headers?: Record<string, string>;
  /** The status each role gets; an unknown id is 404 for everyone. */
  expected: Record<Role, number>;
}

const READ = { owner: 200, editor: 200, viewer: 200, outsider: 404 };
const WRITE = { owner: 409, editor: 409, viewer: 403, outsider: 404 };
const OWNER_ONLY = { owner: 409, editor: 403, viewer: 403, outsider: 404 };
const stale = { 'if-match': STALE };

const ROUTES: Route[] = [
  { name: 'GET', method: 'GET', path: (id) => `/api/documents/${id}`, expected: READ },
  { name: 'versions', method: 'GET', path: (id) => `/api/documents/${id}/versions`, expected: READ },
  { name: 'versions/1', method: 'GET', path: (id) => `/api/documents/${id}/versions/1`, expected: READ },
  { name: 'changes', method: 'GET', path: (id) => `/api/documents/${id}/changes?since=0`, expected: READ },
  { name: 'drafts', method: 'GET', path: (id) => `/api/documents/${id}/drafts`, expected: READ },
  { name: 'members', method: 'GET', path: (id) => `/api/documents/${id}/members`, expected: READ },
  {
    name: 'PUT',
    method: 'PUT',
    path: (id) => `/api/documents/${id}`,
    headers: stale,
    body: () => ({ content: 'taken over\n' }),
    expected: WRITE,
  },
  {
    name: 'PATCH',
    method: 'PATCH',
    path: (id) => `/api/documents/${id}`,
    headers: stale,
    body: () => ({ title: 'Taken over' }),
    expected: WRITE,
  },
  {
    name: 'PUT with Prefer: merge',
    method: 'PUT',
    path: (id) => `/api/documents/${id}`,
    headers: { ...stale, prefer: 'merge' },
    body: () => ({ content: 'taken over\n' }),
    expected: WRITE,
  },
  {
    name: 'archive',
    method: 'POST',
    path: (id) => `/api/documents/${id}/archive`,
    headers: stale,
    expected: WRITE,
  },
  {
    name: 'restore',
    method: 'POST',
    path: (id) => `/api/documents/${id}/restore`,
    headers: stale,
    expected: WRITE,
  },
  {
    name: 'DELETE',
    method: 'DELETE',
    path: (id) => `/api/documents/${id}`,
    headers: stale,
    expected: OWNER_ONLY,
  },
  {
    // An existing member: the owner gets past the access check to 409 member_exists.
    name: 'add a member',
    method: 'POST',
    path: (id) => `/api/documents/${id}/members`,
    body: (as) => ({ username: as.editor.user.username, role: 'viewer' }),
    expected: OWNER_ONLY,
  },
  {
    // Aimed at the owner: the owner gets past the access check to 409 owner_role_fixed.
    name: "change a member's role",
    method: 'PATCH',
    path: (id, as) => `/api/documents/${id}/members/${as.owner.user.id}`,
    body: () => ({ role: 'viewer' }),
    expected: OWNER_ONLY,
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    path: (id, as) => `/api/documents/${id}/members/${as.owner.user.id}`,
    expected: OWNER_ONLY,
  },
];

describeE2E('access control: every route and event, for every role', () => {
  const suite = useSuiteServer({ users: 4, beforeClose: closeAllClients });
  const as = {} as Record<Role, AuthResponse>;
  let doc: ConcordDocument;

  beforeAll(async () => {
    [as.owner, as.editor, as.viewer, as.outsider] = suite.users;
    const created = await suite.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: as.owner.token,
      body: { title: 'Quarterly numbers', content: 'confidential figures\n' },
    });
    doc = created.body;
    for (const role of ['editor', 'viewer'] as const) {
      const shared = await suite.api(`/api/documents/${doc.id}/members`, {
        method: 'POST',
        token: as.owner.token,
        body: { username: as[role].user.username, role },
      });
      expect(shared.status).toBe(201);
    }
  });
  afterEach(closeAllClients);

  function call(route: Route, role: Role, id: string): Promise<HttpResponse<Problem>> {
    return suite.api<Problem>(route.path(id, as), {
      method: route.method,
      token: as[role].token,
      headers: route.headers,
      body: route.body?.(as),
    });
  }

  it.each(ROUTES.map((route) => [route.name, route] as const))('HTTP %s', async (_name, route) => {
    for (const role of ROLES) {
      const response = await call(route, role, doc.id);
      expect({ role, status: response.status }).toEqual({ role, status: route.expected[role] });
      const unknown = await call(route, role, UNKNOWN_ID);
      expect({ role, unknown: unknown.status }).toEqual({ role, unknown: 404 });
      if (route.expected[role] === 404) {
        // The outsider's answer reads exactly like the one for an id that names nothing.
        const { instance: _a, requestId: _b, ...seen } = response.body as Problem & { requestId: string };
        const { instance: _c, requestId: _d, ...none } = unknown.body as Problem & { requestId: string };
        expect(seen).toEqual(none);
      }
    }
    const after = await suite.api<ConcordDocument>(`/api/documents/${doc.id}`, { token: as.owner.token });
    expect(after.body).toMatchObject({ version: doc.version, content: doc.content, state: 'active' });
  });

  it('never reads a document for someone who may not see it (no row, as for an unknown id)', async () => {
    // A row with a null role cost its whole text: a non-member's 404 took measurably longer
    // for a large document than for an unknown id.
    const db = suite.server.app.get(DataSource);
    const read = (userId: string) => db.query<unknown[]>(VISIBLE_DOCUMENT.text, [doc.id, userId]);
    expect(await read(as.outsider.user.id)).toEqual([]);
    expect(await read(as.viewer.user.id)).toHaveLength(1);
  });

  it('reads for a group of socket edits only what its senders may see: no text for outsiders, no history without a writer', async () => {
    const created = await suite.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: as.owner.token,
      body: { title: 'Edited twice', content: 'one\n' },
    });
    const two = await suite.api(`/api/documents/${created.body.id}`, {
      method: 'PUT',
      token: as.owner.token,
      headers: { 'if-match': created.body.etag },
      body: { content: 'one\ntwo\n' },
    });
    expect(two.status).toBe(200);
    for (const role of ['editor', 'viewer'] as const) {
      await suite.api(`/api/documents/${created.body.id}/members`, {
        method: 'POST',
        token: as.owner.token,
        body: { username: as[role].user.username, role },
      });
    }
    const db = suite.server.app.get(DataSource);
    const read = async (...senders: Role[]) => {
      const [row] = await db.query<Array<{ content: string | null; roles: object; bases: unknown[] }>>(
        EDITORS_DOCUMENT.text,
        [created.body.id, senders.map((role) => as[role].user.id), [1]],
      );
      return { content: row.content, roles: Object.keys(row.roles).length, bases: row.bases.length };
    };
    expect(await read('outsider')).toEqual({ content: null, roles: 0, bases: 0 });
    expect(await read('viewer')).toEqual({ content: 'one\ntwo\n', roles: 1, bases: 0 });
    expect(await read('outsider', 'editor')).toEqual({ content: 'one\ntwo\n', roles: 1, bases: 1 });
  });

  it('lists and searches only the documents one is a member of, by title or by content', async () => {
    for (const q of ['Quarterly', 'confidential', '']) {
      const outsider = await suite.api<DocumentList>(`/api/documents?state=all&q=${q}`, {
        token: as.outsider.token,
      });
      expect(outsider.status).toBe(200);
      expect(outsider.body.items.map((item) => item.id)).not.toContain(doc.id);
      const viewer = await suite.api<DocumentList>(`/api/documents?state=all&q=${q}`, {
        token: as.viewer.token,
      });
      expect(viewer.body.items.map((item) => item.id)).toContain(doc.id);
    }
  });

  it("keeps each author's drafts to themselves", async () => {
    const refused = await suite.api(`/api/documents/${doc.id}`, {
      method: 'PUT',
      token: as.editor.token,
      headers: stale,
      body: { content: "the editor's private draft\n" },
    });
    expect(refused.status).toBe(409);
    const drafts = async (role: Role) =>
      (await suite.api<Draft[]>(`/api/documents/${doc.id}/drafts`, { token: as[role].token })).body;
    expect((await drafts('editor')).map((draft) => draft.content)).toContain("the editor's private draft\n");
    for (const role of ['owner', 'viewer'] as const)
      expect((await drafts(role)).map((draft) => draft.content)).not.toContain(
        "the editor's private draft\n",
      );
  });

  it('socket: join, edit and cursor by role; an outsider hears nothing of the document', async () => {
    const sockets = {} as Record<Role, Awaited<ReturnType<typeof connectClient>>>;
    for (const role of ROLES) sockets[role] = await connectClient(suite.url, as[role].token);
    const heard = {
      edit: record(sockets.outsider, 'edit'),
      document: record(sockets.outsider, 'document'),
      presence: record(sockets.outsider, 'presence'),
      cursor: record(sockets.outsider, 'cursor'),
    };
    const viewerEdits = record(sockets.viewer, 'edit');

    for (const role of ROLES) {
      const joined = await send(sockets[role], 'join', { documentId: doc.id });
      expect({ role, ok: joined.ok }).toEqual({ role, ok: role !== 'outsider' });
    }
    const outsiderJoin = await send(sockets.outsider, 'join', { documentId: doc.id });
    expect(outsiderJoin).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
    expect(await send(sockets.outsider, 'cursor', { documentId: doc.id, anchor: 0, head: 0 })).toMatchObject({
      ok: false,
      error: { status: 400 },
    });

    const current = await suite.api<ConcordDocument>(`/api/documents/${doc.id}`, { token: as.owner.token });
    const edit = (text: string) => ({
      documentId: doc.id,
      baseVersion: current.body.version,
      patch: makePatch(current.body.content, text),
    });
    expect(await send(sockets.outsider, 'edit', edit('outsider\n'))).toMatchObject({
      ok: false,
      error: { status: 404, code: 'not_found' },
    });
    const viewerAck = await send(sockets.viewer, 'edit', edit('viewer\n'));
    expect(viewerAck).toMatchObject({ ok: false, error: { status: 403, code: 'forbidden' } });
    expect('current' in (viewerAck.ok ? {} : viewerAck.error)).toBe(false);
    expect(await send(sockets.editor, 'edit', edit('edited\n'))).toMatchObject({ ok: true });
    expect(await send(sockets.owner, 'cursor', { documentId: doc.id, anchor: 1, head: 1 })).toEqual({
      ok: true,
    });
    const latest = await suite.api<ConcordDocument>(`/api/documents/${doc.id}`, { token: as.owner.token });
    const archived = await suite.api(`/api/documents/${doc.id}/archive`, {
      method: 'POST',
      token: as.owner.token,
      headers: { 'if-match': latest.body.etag },
    });
    expect(archived.status).toBe(200);

    await quietFor(300);
    expect(viewerEdits.length).toBeGreaterThanOrEqual(2);
    expect(heard).toEqual({ edit: [], document: [], presence: [], cursor: [] });
  });
});
