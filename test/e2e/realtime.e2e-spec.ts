// CONTRACT §3, row by row, with real socket.io clients against an in-process server.
import type { AuthResponse, ConcordDocument, EditBroadcast } from '@concord/shared';
import { describeE2E, http, registerUser, startTestServer, useSuiteServer } from '../support';
import { applyPatchExactly, makePatchText } from './realtime-live-client';
import {
  closeAllClients,
  connectClient,
  nextEvent,
  quietFor,
  record,
  send,
  waitUntil,
} from './realtime.helpers';

// testTimeout is a global Jest option (the e2e project's setting does not reach here): set it per file.
jest.setTimeout(60_000);

describeE2E('live channel (CONTRACT §3)', () => {
  const suite = useSuiteServer({ users: 3, beforeClose: closeAllClients });
  const { api } = suite;
  let alice: AuthResponse;
  let bob: AuthResponse;
  let carol: AuthResponse;

  beforeAll(() => {
    [alice, bob, carol] = suite.users;
  });
  afterEach(() => closeAllClients());

  async function createDocument(content = 'hello world\n', owner = alice): Promise<ConcordDocument> {
    const response = await api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: owner.token,
      body: { title: 'Live', content },
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function share(
    document: ConcordDocument,
    who: AuthResponse,
    role: 'editor' | 'viewer',
  ): Promise<void> {
    const response = await api(`/api/documents/${document.id}/members`, {
      method: 'POST',
      token: alice.token,
      body: { username: who.user.username, role },
    });
    expect([200, 201]).toContain(response.status);
  }

  async function joined(token: string, documentId: string) {
    const socket = await connectClient(suite.url, token);
    const ack = await send(socket, 'join', { documentId });
    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);
    return { socket, ack };
  }

  describe('handshake', () => {
    it('refuses a missing token with connect_error "unauthorized"', async () => {
      await expect(connectClient(suite.url, undefined)).rejects.toThrow('unauthorized');
    });

    it('refuses a bad token with connect_error "unauthorized"', async () => {
      await expect(connectClient(suite.url, 'not-a-token')).rejects.toThrow('unauthorized');
      await expect(connectClient(suite.url, `${alice.token}x`)).rejects.toThrow('unauthorized');
    });

    it('accepts a valid bearer token', async () => {
      const socket = await connectClient(suite.url, alice.token);
      expect(socket.connected).toBe(true);
    });

    it('disconnects a socket when its token expires', async () => {
      const shortLived = await startTestServer({ env: { JWT_TTL: '2s' } });
      try {
        const user = await registerUser(shortLived.url);
        const socket = await connectClient(shortLived.url, user.token);
        const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
        expect(reason).toBe('io server disconnect');
        await expect(connectClient(shortLived.url, user.token)).rejects.toThrow('unauthorized');
      } finally {
        closeAllClients();
        await shortLived.close();
      }
    });

    it('refuses a browser origin outside the allow-list, accepts the same origin', async () => {
      await expect(
        connectClient(suite.url, alice.token, { origin: 'https://evil.example' }),
      ).rejects.toThrow();
      const sameOrigin = await connectClient(suite.url, alice.token, { origin: suite.url });
      expect(sameOrigin.connected).toBe(true);
    });
  });

  describe('join', () => {
    it('acks the document and the presence list, without missed when no sinceVersion was sent', async () => {
      const document = await createDocument();
      const { ack } = await joined(alice.token, document.id);
      expect(ack.ok).toBe(true);
      if (!ack.ok) return;
      expect(ack.document).toMatchObject({
        id: document.id,
        content: 'hello world\n',
        version: 1,
        etag: document.etag,
      });
      expect(ack.presence).toEqual([alice.user]);
      expect(ack).not.toHaveProperty('missed');
    });

    it('answers 404 for a document the user may not see, and for one that does not exist', async () => {
      const document = await createDocument();
      const socket = await connectClient(suite.url, bob.token);
      const hidden = await send(socket, 'join', { documentId: document.id });
      expect(hidden).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
      const missing = await send(socket, 'join', { documentId: '00000000-0000-4000-8000-000000000000' });
      expect(missing).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
      const malformed = await send(socket, 'join', { documentId: 'not-a-uuid' });
      expect(malformed).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
    });

    it('answers 422 validation_failed for a malformed payload or none at all, 400 for an unknown event', async () => {
      const socket = await connectClient(suite.url, alice.token);
      const bad = await send(socket, 'join', { documentId: 42 } as never);
      expect(bad).toMatchObject({ ok: false, error: { status: 422, code: 'validation_failed' } });
      const extra = await send(socket, 'join', { documentId: 'x', evil: true } as never);
      expect(extra).toMatchObject({ ok: false, error: { status: 422, code: 'validation_failed' } });
      const none = await (socket.timeout(5000).emitWithAck as (event: string) => Promise<unknown>).call(
        socket.timeout(5000),
        'join',
      );
      expect(none).toMatchObject({ ok: false, error: { status: 422, code: 'validation_failed' } });
      const unknown = await (
        socket.timeout(5000).emitWithAck as (event: string, body: unknown) => Promise<unknown>
      ).call(socket.timeout(5000), 'subscribe', {});
      expect(unknown).toMatchObject({ ok: false, error: { status: 400, code: 'bad_request' } });
    });

    it('lets a viewer join and watch edits but answers its edits 403 forbidden', async () => {
      const document = await createDocument();
      await share(document, carol, 'viewer');
      const viewer = await joined(carol.token, document.id);
      const owner = await joined(alice.token, document.id);
      const seen = nextEvent(viewer.socket, 'edit');
      const ok = await send(owner.socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('hello world\n', 'hello there\n'),
      });
      expect(ok).toMatchObject({ ok: true, version: 2 });
      expect(await seen).toMatchObject({ documentId: document.id, version: 2 });
      const refused = await send(viewer.socket, 'edit', {
        documentId: document.id,
        baseVersion: 2,
        patch: makePatchText('hello there\n', 'hello viewer\n'),
      });
      expect(refused).toMatchObject({ ok: false, error: { status: 403, code: 'forbidden' } });
    });
  });

  describe('edit', () => {
    it('acks version and etag, broadcasts to the room with every field, and does not echo to the sender', async () => {
      const document = await createDocument();
      await share(document, bob, 'editor');
      const sender = await joined(alice.token, document.id);
      const receiver = await joined(bob.token, document.id);
      const echoed = record(sender.socket, 'edit');
      const received = nextEvent(receiver.socket, 'edit');
      const patch = makePatchText('hello world\n', 'hello brave world\n');
      const ack = await send(sender.socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch,
        clientEditId: 'e-1',
      });
      expect(ack).toEqual({ ok: true, version: 2, etag: expect.any(String) });
      if (!ack.ok) return;
      expect(ack.etag).not.toBe(document.etag);
      const broadcast = await received;
      expect(broadcast).toEqual({
        documentId: document.id,
        baseVersion: 1,
        version: 2,
        etag: ack.etag,
        patch: expect.any(String),
        author: alice.user,
        at: expect.any(String),
        clientEditId: 'e-1',
      });
      expect(applyPatchExactly('hello world\n', broadcast.patch)).toBe('hello brave world\n');
      await quietFor(300);
      expect(echoed).toEqual([]);
    });

    it('answers a stale baseVersion with 409 stale_version and the current document', async () => {
      const document = await createDocument();
      const { socket } = await joined(alice.token, document.id);
      await send(socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('hello world\n', 'hello world!\n'),
      });
      const stale = await send(socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('hello world\n', 'Hello world\n'),
      });
      expect(stale).toMatchObject({
        ok: false,
        error: {
          status: 409,
          code: 'stale_version',
          detail: expect.any(String),
          current: { id: document.id, version: 2, content: 'hello world!\n' },
        },
      });
    });

    it('merges a stale edit with merge: true and returns the patch that converges the sender', async () => {
      const document = await createDocument('one\ntwo\nthree\n');
      await share(document, bob, 'editor');
      const a = await joined(alice.token, document.id);
      const b = await joined(bob.token, document.id);
      const first = await send(a.socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('one\ntwo\nthree\n', 'ONE\ntwo\nthree\n'),
      });
      expect(first).toMatchObject({ ok: true, version: 2 });
      const bobMine = 'one\ntwo\nTHREE\n';
      const merged = await send(b.socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('one\ntwo\nthree\n', bobMine),
        merge: true,
      });
      expect(merged).toMatchObject({ ok: true, version: 3, merged: true, patch: expect.any(String) });
      if (!merged.ok || merged.patch === undefined) return;
      expect(applyPatchExactly(bobMine, merged.patch)).toBe('ONE\ntwo\nTHREE\n');
      const onServer = await api<ConcordDocument>(`/api/documents/${document.id}`, { token: alice.token });
      expect(onServer.body.content).toBe('ONE\ntwo\nTHREE\n');
    });

    it('answers an overlapping merge: true edit with 409, current and the server merge attempt', async () => {
      const document = await createDocument('one\ntwo\nthree\n');
      const { socket } = await joined(alice.token, document.id);
      await send(socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('one\ntwo\nthree\n', 'one\nTWO\nthree\n'),
      });
      const conflict = await send(socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('one\ntwo\nthree\n', 'one\n2\nthree\n'),
        merge: true,
      });
      expect(conflict).toMatchObject({
        ok: false,
        error: {
          status: 409,
          code: 'stale_version',
          current: { version: 2, content: 'one\nTWO\nthree\n' },
          merge: {
            text: expect.stringContaining('<<<<<<< mine'),
            conflicts: [expect.objectContaining({ mine: expect.any(String) })],
          },
        },
      });
    });

    it('answers a patch that does not apply with 422, a malformed payload with 422 validation_failed', async () => {
      const document = await createDocument();
      const { socket } = await joined(alice.token, document.id);
      const wrong = await send(socket, 'edit', {
        documentId: document.id,
        baseVersion: 1,
        patch: makePatchText('nothing like it', 'else'),
      });
      expect(wrong).toMatchObject({ ok: false, error: { status: 422, code: 'patch_does_not_apply' } });
      const invalid = await send(socket, 'edit', { documentId: document.id, baseVersion: 0, patch: 'x' });
      expect(invalid).toMatchObject({ ok: false, error: { status: 422, code: 'validation_failed' } });
    });

    it('broadcasts HTTP PUT and PATCH writes to the room', async () => {
      const document = await createDocument();
      const watcher = await joined(alice.token, document.id);
      const edits = record(watcher.socket, 'edit');
      const put = await api<ConcordDocument>(`/api/documents/${document.id}`, {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': document.etag },
        body: { content: 'put over http\n' },
      });
      expect(put.status).toBe(200);
      const patched = await api<ConcordDocument>(`/api/documents/${document.id}`, {
        method: 'PATCH',
        token: alice.token,
        headers: { 'if-match': put.body.etag },
        body: { patch: makePatchText('put over http\n', 'patched over http\n') },
      });
      expect(patched.status).toBe(200);
      await waitUntil(() => edits.length >= 2, 'both HTTP writes as broadcasts');
      expect(edits.map((e: EditBroadcast) => [e.baseVersion, e.version, e.author.id])).toEqual([
        [1, 2, alice.user.id],
        [2, 3, alice.user.id],
      ]);
      expect(applyPatchExactly(applyPatchExactly('hello world\n', edits[0].patch), edits[1].patch)).toBe(
        'patched over http\n',
      );
    });

    it('limits edits and cursor moves per socket with a 429 rate_limited ack, message size by MAX_DOCUMENT_BYTES; catch-up past pruned history sends the document only', async () => {
      const limited = await startTestServer({
        env: {
          REALTIME_EDIT_RATE: '1',
          REALTIME_EDIT_BURST: '3',
          REALTIME_CURSOR_RATE: '1',
          REALTIME_CURSOR_BURST: '2',
          MAX_DOCUMENT_BYTES: '1000',
          HISTORY_LIMIT: '2',
        },
      });
      try {
        const owner = await registerUser(limited.url);
        const created = await http(limited.url)<ConcordDocument>('/api/documents', {
          method: 'POST',
          token: owner.token,
          body: { title: 'rl', content: '' },
        });
        const socket = await connectClient(limited.url, owner.token);
        const acks = [];
        let text = '';
        let version = created.body.version;
        for (let i = 0; i < 5; i += 1) {
          const next = `${text}${i}\n`;
          const ack = await send(socket, 'edit', {
            documentId: created.body.id,
            baseVersion: version,
            patch: makePatchText(text, next),
          });
          acks.push(ack);
          if (ack.ok) [text, version] = [next, ack.version];
        }
        expect(acks.slice(0, 3).every((a) => a.ok)).toBe(true);
        expect(acks[3]).toMatchObject({
          ok: false,
          error: { status: 429, code: 'rate_limited', retryAfterMs: expect.any(Number) },
        });
        expect(await send(socket, 'join', { documentId: created.body.id })).toMatchObject({ ok: true });
        const moves = [];
        for (let i = 0; i < 3; i += 1)
          moves.push(await send(socket, 'cursor', { documentId: created.body.id, anchor: i, head: i }));
        expect(moves.map((m) => (m.ok ? 200 : m.error.status))).toEqual([200, 200, 429]);

        // A message far beyond any patch of a MAX_DOCUMENT_BYTES document is cut off by engine.io.
        const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        socket.emit(
          'edit',
          { documentId: created.body.id, baseVersion: version, patch: 'x'.repeat(200_000) },
          () => undefined,
        );
        expect(await closed).toMatch(/transport/);

        // HISTORY_LIMIT 2: after v4 and v5 only their patches remain, so v1 cannot be caught up from.
        const again = await connectClient(limited.url, owner.token);
        const pruned = await send(again, 'join', { documentId: created.body.id, sinceVersion: 1 });
        expect(pruned).toMatchObject({ ok: true, document: { version, content: text } });
        expect(pruned).not.toHaveProperty('missed');
        const covered = await send(again, 'join', { documentId: created.body.id, sinceVersion: version - 1 });
        expect(covered).toMatchObject({ ok: true, missed: [{ baseVersion: version - 1, version }] });
      } finally {
        closeAllClients();
        await limited.close();
      }
    });
  });

  describe('presence, cursor, leave', () => {
    it('broadcasts presence on join, leave and disconnect, listing a user with two tabs once', async () => {
      const document = await createDocument();
      await share(document, bob, 'editor');
      const a = await joined(alice.token, document.id);
      const bobJoins = nextEvent(a.socket, 'presence', (p) => p.users.length === 2);
      const b1 = await joined(bob.token, document.id);
      expect((await bobJoins).users.map((u) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort());
      const b2 = await joined(bob.token, document.id);
      if (!b2.ack.ok) throw new Error('second tab could not join');
      expect(b2.ack.presence).toHaveLength(2);

      const afterLeave = nextEvent(a.socket, 'presence');
      expect(await send(b1.socket, 'leave', { documentId: document.id })).toEqual({ ok: true });
      expect((await afterLeave).users).toHaveLength(2); // bob's second tab is still there

      const afterDisconnect = nextEvent(a.socket, 'presence');
      b2.socket.close();
      expect(await afterDisconnect).toEqual({ documentId: document.id, users: [alice.user] });
    });

    it('ends with the full list everywhere when many join at once', async () => {
      const document = await createDocument();
      const people = [alice, bob, carol];
      await share(document, bob, 'editor');
      await share(document, carol, 'viewer');
      const sockets = await Promise.all(people.map((p) => connectClient(suite.url, p.token)));
      const seen = sockets.map((s) => record(s, 'presence'));
      const acks = await Promise.all(sockets.map((s) => send(s, 'join', { documentId: document.id })));
      expect(acks.every((a) => a.ok)).toBe(true);
      await waitUntil(
        () => seen.every((events) => events.at(-1)?.users.length === 3),
        'everyone to see all three',
      );
      await quietFor(200);
      for (const events of seen)
        expect(
          events
            .at(-1)
            ?.users.map((u) => u.id)
            .sort(),
        ).toEqual(people.map((p) => p.user.id).sort());
    });

    it('stops broadcasting to a socket that left', async () => {
      const document = await createDocument();
      const a = await joined(alice.token, document.id);
      const left = await joined(alice.token, document.id);
      await send(left.socket, 'leave', { documentId: document.id });
      const after = record(left.socket, 'edit');
      const reachesA = nextEvent(a.socket, 'edit');
      const http1 = await api(`/api/documents/${document.id}`, {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': document.etag },
        body: { content: 'x' },
      });
      expect(http1.status).toBe(200);
      await reachesA;
      await quietFor(200);
      expect(after).toEqual([]);
    });

    it('relays cursors to the others in the room, not to the sender, and only after join', async () => {
      const document = await createDocument();
      await share(document, bob, 'viewer');
      const a = await joined(alice.token, document.id);
      const b = await joined(bob.token, document.id);
      const own = record(b.socket, 'cursor');
      const seen = nextEvent(a.socket, 'cursor');
      expect(await send(b.socket, 'cursor', { documentId: document.id, anchor: 3, head: 5 })).toEqual({
        ok: true,
      });
      expect(await seen).toEqual({ documentId: document.id, user: bob.user, anchor: 3, head: 5 });
      const outsider = await connectClient(suite.url, alice.token);
      expect(await send(outsider, 'cursor', { documentId: document.id, anchor: 0, head: 0 })).toMatchObject({
        ok: false,
        error: { status: 400 },
      });
      expect(await send(outsider, 'cursor', { documentId: document.id, anchor: -1, head: 0 })).toMatchObject({
        ok: false,
        error: { status: 422, code: 'validation_failed' },
      });
      await quietFor(200);
      expect(own).toEqual([]);
    });
  });

  describe('document events', () => {
    it('tells the room about archive, restore, rename and delete', async () => {
      const document = await createDocument();
      const { socket } = await joined(alice.token, document.id);
      const events = record(socket, 'document');
      const archived = await api<ConcordDocument>(`/api/documents/${document.id}/archive`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': document.etag },
      });
      expect(archived.status).toBe(200);
      await waitUntil(() => events.some((e) => e.state === 'archived'), 'the archive event');
      const restored = await api<ConcordDocument>(`/api/documents/${document.id}/restore`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': archived.body.etag },
      });
      expect(restored.status).toBe(200);
      await waitUntil(() => events.some((e) => e.state === 'active'), 'the restore event');
      const renamed = await api<ConcordDocument>(`/api/documents/${document.id}`, {
        method: 'PATCH',
        token: alice.token,
        headers: { 'if-match': restored.body.etag },
        body: { title: 'Renamed' },
      });
      expect(renamed.status).toBe(200);
      await waitUntil(() => events.some((e) => e.title === 'Renamed'), 'the rename event');
      const deleted = await api(`/api/documents/${document.id}`, {
        method: 'DELETE',
        token: alice.token,
        headers: { 'if-match': renamed.body.etag },
      });
      expect(deleted.status).toBe(204);
      await waitUntil(() => events.some((e) => e.state === 'deleted'), 'the delete event');
      expect(events.map((e) => e.state)).toEqual(['archived', 'active', 'active', 'deleted']);
      expect(events[0]).toEqual({
        documentId: document.id,
        state: 'archived',
        title: 'Live',
        version: archived.body.version,
        etag: archived.body.etag,
      });
    });
  });

  describe('account deletion', () => {
    it('closes the account’s sockets, refuses its reconnect, and tells the rooms of the documents it owned', async () => {
      const doomed = await registerUser(suite.url);
      const created = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: doomed.token,
        body: { title: 'Owned by a leaving user', content: 'text\n' },
      });
      expect(created.status).toBe(201);
      const shared = await api(`/api/documents/${created.body.id}/members`, {
        method: 'POST',
        token: doomed.token,
        body: { username: bob.user.username, role: 'editor' },
      });
      expect(shared.status).toBe(201);
      const { socket: collaborator } = await joined(bob.token, created.body.id);
      const documentEvents = record(collaborator, 'document');
      const { socket: own } = await joined(doomed.token, created.body.id);
      const disconnected = new Promise<string>((resolve) => own.once('disconnect', resolve));

      const deleted = await api('/api/auth/me', { method: 'DELETE', token: doomed.token });
      expect(deleted.status).toBe(204);
      await expect(disconnected).resolves.toBe('io server disconnect');
      await waitUntil(
        () => documentEvents.some((e) => e.documentId === created.body.id && e.state === 'deleted'),
        'the deleted document’s event',
      );
      expect(collaborator.connected).toBe(true);
      await expect(connectClient(suite.url, doomed.token)).rejects.toThrow('unauthorized');
    });
  });

  describe('catch-up', () => {
    it('re-joins with sinceVersion, gets exactly the missed edits, and never applies one twice', async () => {
      const document = await createDocument('a\n');
      await share(document, bob, 'editor');
      const writer = await joined(bob.token, document.id);
      let text = 'a\n';
      let version = 1;
      const edit = async (next: string) => {
        const ack = await send(writer.socket, 'edit', {
          documentId: document.id,
          baseVersion: version,
          patch: makePatchText(text, next),
        });
        if (!ack.ok) throw new Error(ack.error.code);
        [text, version] = [next, ack.version];
      };

      // The reader sees v2 live, then drops off while v3..v5 are written.
      const reader = await joined(alice.token, document.id);
      let readerText = 'a\n';
      let readerVersion = 1;
      const live = nextEvent(reader.socket, 'edit');
      await edit('a\nb\n');
      const v2 = await live;
      readerText = applyPatchExactly(readerText, v2.patch);
      readerVersion = v2.version;
      reader.socket.close();
      await edit('a\nb\nc\n');
      await edit('a\nb\nc\nd\n');
      await edit('A\nb\nc\nd\n');

      const back = await connectClient(suite.url, alice.token);
      const later = record(back, 'edit');
      const ack = await send(back, 'join', { documentId: document.id, sinceVersion: readerVersion });
      if (!ack.ok) throw new Error(ack.error.code);
      expect(ack.missed?.map((c) => [c.baseVersion, c.version])).toEqual([
        [2, 3],
        [3, 4],
        [4, 5],
      ]);
      for (const change of ack.missed ?? []) {
        if (change.version <= readerVersion) continue;
        readerText = applyPatchExactly(readerText, change.patch);
        readerVersion = change.version;
      }
      expect(readerText).toBe(text);
      expect(readerVersion).toBe(ack.document.version);
      await edit('A\nb\nc\nd\ne\n');
      const next = later.length > 0 ? later[0] : await nextEvent(back, 'edit');
      expect(next.baseVersion).toBe(readerVersion);
      expect(applyPatchExactly(readerText, next.patch)).toBe(text);
    });

    it('answers sinceVersion equal to the current version with an empty missed list', async () => {
      const document = await createDocument();
      const socket = await connectClient(suite.url, alice.token);
      const ack = await send(socket, 'join', { documentId: document.id, sinceVersion: 1 });
      expect(ack).toMatchObject({ ok: true, missed: [] });
    });

    it('leaves missed out when history cannot cover sinceVersion, so the client takes the document', async () => {
      const document = await createDocument();
      const socket = await connectClient(suite.url, alice.token);
      const ack = await send(socket, 'join', { documentId: document.id, sinceVersion: 99 });
      expect(ack).toMatchObject({ ok: true, document: { version: 1 } });
      expect(ack).not.toHaveProperty('missed');
    });
  });
});
