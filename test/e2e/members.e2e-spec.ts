// Managing members: the owner changes roles and removes members, members leave; a member who
// loses access is told at once on the live channel and hears nothing more of the document.
import type { AuthResponse, ConcordDocument, Member } from '@concord/shared';
import { describeE2E, useSuiteServer } from '../support';
import { createDocument, expectProblem, putDocument } from './documents.helpers';
import { makePatchText } from './realtime-live-client';
import { closeAllClients, connectClient, nextEvent, quietFor, record, send } from './realtime.helpers';

jest.setTimeout(60_000);

describeE2E('members (owner manages roles; removed members lose access at once)', () => {
  const suite = useSuiteServer({ users: 4, beforeClose: closeAllClients });
  const { api } = suite;
  let alice: AuthResponse;
  let bob: AuthResponse;
  let carol: AuthResponse;
  let dave: AuthResponse;

  beforeAll(() => {
    [alice, bob, carol, dave] = suite.users;
  });
  afterEach(() => closeAllClients());

  const membersPath = (document: ConcordDocument): string => `/api/documents/${document.id}/members`;
  const memberPath = (document: ConcordDocument, userId: string): string =>
    `${membersPath(document)}/${userId}`;

  /** Alice's new document, shared with each of `members` at its role. */
  async function sharedDocument(
    members: [AuthResponse, 'editor' | 'viewer'][],
    content = 'shared\n',
  ): Promise<ConcordDocument> {
    const document = await createDocument(api, alice.token, { title: 'Members', content });
    for (const [who, role] of members) {
      const added = await api(membersPath(document), {
        method: 'POST',
        token: alice.token,
        body: { username: who.user.username, role },
      });
      expect(added.status).toBe(201);
    }
    return document;
  }

  const setRole = (document: ConcordDocument, token: string, userId: string, body: unknown) =>
    api<Member>(memberPath(document, userId), { method: 'PATCH', token, body });
  const remove = (document: ConcordDocument, token: string, userId: string) =>
    api(memberPath(document, userId), { method: 'DELETE', token });
  const roles = async (document: ConcordDocument): Promise<Record<string, string>> => {
    const listed = await api<Member[]>(membersPath(document), { token: alice.token });
    expect(listed.status).toBe(200);
    return Object.fromEntries(listed.body.map((member) => [member.user.username, member.role]));
  };

  describe('PATCH …/members/:userId', () => {
    it('lets the owner turn an editor into a viewer and back; the role decides the next write', async () => {
      const document = await sharedDocument([[bob, 'editor']]);
      const demoted = await setRole(document, alice.token, bob.user.id, { role: 'viewer' });
      expect(demoted.status).toBe(200);
      expect(demoted.body).toEqual({
        user: { id: bob.user.id, username: bob.user.username, displayName: bob.user.displayName },
        role: 'viewer',
      });
      expect(await roles(document)).toEqual({
        [alice.user.username]: 'owner',
        [bob.user.username]: 'viewer',
      });
      expectProblem(
        await api(`/api/documents/${document.id}`, {
          method: 'PUT',
          token: bob.token,
          headers: { 'if-match': document.etag },
          body: { content: 'by a viewer\n' },
        }),
        403,
        'forbidden',
      );

      // The same role again changes nothing and still answers the member.
      expect((await setRole(document, alice.token, bob.user.id, { role: 'viewer' })).body.role).toBe(
        'viewer',
      );
      expect((await setRole(document, alice.token, bob.user.id, { role: 'editor' })).status).toBe(200);
      const written = await putDocument(api, bob.token, document, 'by an editor again\n');
      expect(written.version).toBe(2);
    });

    it('refuses non-owners, the owner’s own role, unknown members and bad bodies, changing nothing', async () => {
      const document = await sharedDocument([
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const before = await roles(document);
      const cases: [string, string, unknown, number, string][] = [
        // An editor or viewer sees the document, so the answer is 403, not 404.
        [bob.token, carol.user.id, { role: 'editor' }, 403, 'forbidden'],
        [carol.token, carol.user.id, { role: 'editor' }, 403, 'forbidden'],
        // A stranger learns nothing: 404.
        [dave.token, bob.user.id, { role: 'viewer' }, 404, 'not_found'],
        [alice.token, alice.user.id, { role: 'editor' }, 409, 'owner_role_fixed'],
        [alice.token, dave.user.id, { role: 'editor' }, 404, 'not_found'],
        [alice.token, 'not-a-uuid', { role: 'editor' }, 404, 'not_found'],
        [alice.token, bob.user.id, { role: 'owner' }, 422, 'validation_failed'],
        [alice.token, bob.user.id, { role: 'viewer', username: 'x' }, 422, 'validation_failed'],
        [alice.token, bob.user.id, {}, 422, 'validation_failed'],
      ];
      for (const [token, userId, body, status, code] of cases) {
        expectProblem(await setRole(document, token, userId, body), status, code);
      }
      expect(await roles(document)).toEqual(before);
    });
  });

  describe('DELETE …/members/:userId', () => {
    it('lets the owner remove a member: they then get 404 everywhere and are listed no more', async () => {
      const document = await sharedDocument([
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const removed = await remove(document, alice.token, bob.user.id);
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      expect(await roles(document)).toEqual({
        [alice.user.username]: 'owner',
        [carol.user.username]: 'viewer',
      });
      expectProblem(await api(`/api/documents/${document.id}`, { token: bob.token }), 404, 'not_found');
      expectProblem(
        await api(`/api/documents/${document.id}`, {
          method: 'PUT',
          token: bob.token,
          headers: { 'if-match': '*' },
          body: { content: 'too late\n' },
        }),
        404,
        'not_found',
      );
      const listed = await api<{ items: { id: string }[] }>('/api/documents?limit=100', { token: bob.token });
      expect(listed.body.items.map((item) => item.id)).not.toContain(document.id);
      // Gone is gone: a second removal is a 404; adding them again works.
      expectProblem(await remove(document, alice.token, bob.user.id), 404, 'not_found');
      expect(
        (
          await api(membersPath(document), {
            method: 'POST',
            token: alice.token,
            body: { username: bob.user.username, role: 'viewer' },
          })
        ).status,
      ).toBe(201);
      expect((await api(`/api/documents/${document.id}`, { token: bob.token })).status).toBe(200);
    });

    it('lets a member leave, but not remove others; the owner cannot leave their own document', async () => {
      const document = await sharedDocument([
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      expectProblem(await remove(document, bob.token, carol.user.id), 403, 'forbidden');
      expectProblem(await remove(document, carol.token, alice.user.id), 403, 'forbidden');
      expectProblem(await remove(document, dave.token, dave.user.id), 404, 'not_found');
      expectProblem(await remove(document, alice.token, alice.user.id), 409, 'owner_role_fixed');
      expectProblem(await remove(document, alice.token, 'nope'), 404, 'not_found');
      expectProblem(
        await api(memberPath(document, bob.user.id), {
          method: 'DELETE',
          token: alice.token,
          body: { force: true },
        }),
        422,
        'validation_failed',
      );
      expect(await roles(document)).toEqual({
        [alice.user.username]: 'owner',
        [bob.user.username]: 'editor',
        [carol.user.username]: 'viewer',
      });

      expect((await remove(document, carol.token, carol.user.id)).status).toBe(204);
      expectProblem(await api(`/api/documents/${document.id}`, { token: carol.token }), 404, 'not_found');
      expect(await roles(document)).toEqual({
        [alice.user.username]: 'owner',
        [bob.user.username]: 'editor',
      });
      // The document and its history are untouched by members coming and going.
      const current = await api<ConcordDocument>(`/api/documents/${document.id}`, { token: alice.token });
      expect(current.body).toMatchObject({ content: 'shared\n', version: 1 });
    });
  });

  describe('on the live channel', () => {
    it('tells a demoted member at once, on their own sockets only; their next edit is refused', async () => {
      const document = await sharedDocument([
        [bob, 'editor'],
        [carol, 'editor'],
      ]);
      const bobSocket = await connectClient(suite.url, bob.token);
      const carolSocket = await connectClient(suite.url, carol.token);
      expect(await send(bobSocket, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      expect(await send(carolSocket, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      const carolHears = record(carolSocket, 'access');

      const told = nextEvent(bobSocket, 'access');
      expect((await setRole(document, alice.token, bob.user.id, { role: 'viewer' })).status).toBe(200);
      expect(await told).toEqual({ documentId: document.id, role: 'viewer', by: alice.user });

      const refused = await send(bobSocket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('shared\n', 'shared by a viewer\n'),
      });
      expect(refused).toMatchObject({ ok: false, error: { status: 403, code: 'forbidden' } });
      // Still in the room as a viewer: carol's edit reaches bob.
      const seen = nextEvent(bobSocket, 'edit');
      expect(
        await send(carolSocket, 'edit', {
          documentId: document.id,
          baseVersion: 1,
          patch: makePatchText('shared\n', 'shared by carol\n'),
        }),
      ).toMatchObject({ ok: true, version: 2 });
      expect((await seen).version).toBe(2);
      await quietFor(200);
      expect(carolHears).toEqual([]);
    });

    it('takes a removed member out of the room: told once, no later edit or cursor, presence updated', async () => {
      const document = await sharedDocument([[bob, 'editor']]);
      const aliceSocket = await connectClient(suite.url, alice.token);
      const bobTabs = [await connectClient(suite.url, bob.token), await connectClient(suite.url, bob.token)];
      expect(await send(aliceSocket, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      for (const tab of bobTabs) {
        expect(await send(tab, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      }
      const heardByBob = bobTabs.map((tab) => ({
        access: record(tab, 'access'),
        edits: record(tab, 'edit'),
        cursors: record(tab, 'cursor'),
        presence: record(tab, 'presence'),
      }));
      const aliceAlone = nextEvent(aliceSocket, 'presence', (p) =>
        p.users.every((u) => u.id === alice.user.id),
      );

      expect((await remove(document, alice.token, bob.user.id)).status).toBe(204);
      await Promise.all(bobTabs.map((tab) => nextEvent(tab, 'access', (a) => a.role === null)));
      expect((await aliceAlone).users).toEqual([alice.user]);

      // Everything after the removal stays in the room without bob.
      expect(
        await send(aliceSocket, 'edit', {
          documentId: document.id,
          baseVersion: 1,
          patch: makePatchText('shared\n', 'shared, privately\n'),
        }),
      ).toMatchObject({ ok: true, version: 2 });
      expect(await send(aliceSocket, 'cursor', { documentId: document.id, anchor: 1, head: 1 })).toEqual({
        ok: true,
      });
      await quietFor(300);
      for (const heard of heardByBob) {
        expect(heard.access).toEqual([{ documentId: document.id, role: null, by: alice.user }]);
        expect(heard.edits).toEqual([]);
        expect(heard.cursors).toEqual([]);
        // Only the lists from before (both tabs joining), none without bob.
        expect(heard.presence.every((p) => p.users.some((u) => u.id === bob.user.id))).toBe(true);
      }

      // Bob's own attempts are refused as for any non-member.
      const edit = await send(bobTabs[0], 'edit', {
        documentId: document.id,
        baseVersion: 2,
        patch: makePatchText('shared, privately\n', 'bob was here\n'),
      });
      expect(edit).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
      expect(await send(bobTabs[1], 'join', { documentId: document.id })).toMatchObject({
        ok: false,
        error: { status: 404, code: 'not_found' },
      });
      expect(await send(bobTabs[1], 'cursor', { documentId: document.id, anchor: 0, head: 0 })).toMatchObject(
        {
          ok: false,
        },
      );
    });

    it('lets a member who left be heard of no more, and leaves the other members’ sessions alone', async () => {
      const document = await sharedDocument([
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const bobSocket = await connectClient(suite.url, bob.token);
      const carolSocket = await connectClient(suite.url, carol.token);
      expect(await send(bobSocket, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      expect(await send(carolSocket, 'join', { documentId: document.id })).toMatchObject({ ok: true });
      const carolAccess = record(carolSocket, 'access');
      const bobLeft = nextEvent(bobSocket, 'access');
      const carolSeesBobGo = nextEvent(carolSocket, 'presence', (p) =>
        p.users.every((u) => u.id !== bob.user.id),
      );

      expect((await remove(document, bob.token, bob.user.id)).status).toBe(204);
      expect(await bobLeft).toEqual({ documentId: document.id, role: null, by: bob.user });
      expect((await carolSeesBobGo).users).toEqual([carol.user]);
      const carolStillHears = nextEvent(carolSocket, 'edit');
      await putDocument(api, alice.token, document, 'after bob left\n');
      expect((await carolStillHears).version).toBe(2);
      expect(carolAccess).toEqual([]);
    });
  });
});
