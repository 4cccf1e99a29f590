// Two Concord instances on one PostgreSQL database and one Redis: a client on each sees the
// other's edits and presence through the socket.io Redis adapter. PostgreSQL project only
// (PGlite cannot be shared by two servers); Redis missing → loud skip, or a failure under CI.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import {
  createTestDatabase,
  describeE2E,
  http,
  registerUser,
  startTestServer,
  type TestDatabase,
  type TestServer,
  testDatabaseKind,
} from '../support';
import { applyPatchExactly, makePatchText } from './realtime-live-client';
import { closeAllClients, connectClient, nextEvent, quietFor, record, send } from './realtime.helpers';

// testTimeout is a global Jest option (the e2e project's setting does not reach here): set it per file.

const REDIS_URL = process.env.CONCORD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function redisReachable(): boolean {
  const url = new URL(REDIS_URL);
  const probe =
    `const s=require('node:net').connect(${Number(url.port || 6379)},${JSON.stringify(url.hostname)});` +
    `s.setTimeout(2000,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

function describeWithRedis(name: string, body: () => void): void {
  if (redisReachable()) return describeE2E(name, body);
  const reason = `Redis is not reachable at ${new URL(REDIS_URL).host}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Redis', () => {
        throw new Error(`${reason} (CI=true: a missing service fails the run)`);
      });
    });
    return;
  }
  console.warn(
    `\n!!! SKIPPING the multi-instance suite: ${reason}. Start Redis, or run with CI=true to fail instead. !!!\n`,
  );
  describe.skip(name, body);
}

/** The instances' AUTH_ACCOUNT_RATE_LIMIT. */
const ACCOUNT_LIMIT = 4;

if (testDatabaseKind() === 'postgres') {
  describeWithRedis('two instances behind the Redis adapter', () => {
    let database: TestDatabase;
    let one: TestServer;
    let two: TestServer;
    let alice: AuthResponse;
    let bob: AuthResponse;
    const redisKey = `concord-test-${randomUUID()}`;

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      // A channel (and counter) prefix of their own: other suites' servers on the same Redis stay
      // out of it. A low per-account limit, for the shared-counter test (fresh accounts elsewhere).
      const env = {
        REDIS_URL,
        REALTIME_REDIS_KEY: redisKey,
        AUTH_ACCOUNT_RATE_LIMIT: String(ACCOUNT_LIMIT),
      };
      // One after the other: the first runs the migrations.
      one = await startTestServer({ database, env });
      two = await startTestServer({ database, env });
      [alice, bob] = await Promise.all([registerUser(one.url), registerUser(two.url)]);
    });
    afterAll(async () => {
      closeAllClients();
      await one?.close();
      await two?.close();
      await database?.drop();
    });

    /** Alice's new document ('one\n', on instance one), shared with bob as an editor; its id. */
    async function documentSharedWithBob(title: string): Promise<string> {
      const created = await http(one.url)<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: alice.token,
        body: { title, content: 'one\n' },
      });
      expect(created.status).toBe(201);
      const shared = await http(one.url)(`/api/documents/${created.body.id}/members`, {
        method: 'POST',
        token: alice.token,
        body: { username: bob.user.username, role: 'editor' },
      });
      expect(shared.status).toBe(201);
      return created.body.id;
    }

    /**
     * Instance two verifies (and caches) the account of `token` and holds a socket of it; `closed`
     * resolves with that socket's disconnect reason.
     */
    async function socketCachedOnTwo(token: string): Promise<{ closed: Promise<string> }> {
      expect((await http(two.url)('/api/auth/me', { token })).status).toBe(200);
      const socket = await connectClient(two.url, token);
      return { closed: new Promise<string>((resolve) => socket.once('disconnect', resolve)) };
    }

    /** Whether instance two refuses `token` within 2 s of `since`: well inside its verified-user cache's 5 s, so the notice came over Redis. */
    async function refusedOnTwoSoon(token: string, since: number): Promise<boolean> {
      while (Date.now() - since < 2_000) {
        if ((await http(two.url)('/api/auth/me', { token })).status === 401) return true;
      }
      return false;
    }

    it('delivers edits, HTTP writes and presence between clients on different instances', async () => {
      const documentId = await documentSharedWithBob('Across');

      const onOne = await connectClient(one.url, alice.token);
      const onTwo = await connectClient(two.url, bob.token);
      expect(await send(onOne, 'join', { documentId })).toMatchObject({ ok: true });
      const bothPresent = nextEvent(onOne, 'presence', (p) => p.users.length === 2);
      const joinedTwo = await send(onTwo, 'join', { documentId });
      expect(joinedTwo).toMatchObject({ ok: true });
      if (!joinedTwo.ok) return;
      // Presence spans instances: each side's list holds both users.
      expect(joinedTwo.presence.map((u) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort());
      expect((await bothPresent).users.map((u) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort());

      const echoOne = record(onOne, 'edit');
      const echoTwo = record(onTwo, 'edit');

      // A socket edit on instance one reaches the client on instance two…
      const first = await send(onOne, 'edit', {
        documentId,
        baseVersion: 1,
        patch: makePatchText('one\n', 'one\ntwo\n'),
        clientEditId: 'from-one',
      });
      expect(first).toMatchObject({ ok: true, version: 2 });
      await nextEvent(onTwo, 'edit', (e) => e.version === 2).catch(() => undefined);
      expect(echoTwo.map((e) => [e.version, e.clientEditId])).toEqual([[2, 'from-one']]);

      // …and one on instance two reaches instance one.
      const second = await send(onTwo, 'edit', {
        documentId,
        baseVersion: 2,
        patch: makePatchText('one\ntwo\n', 'one\ntwo\nthree\n'),
        clientEditId: 'from-two',
      });
      expect(second).toMatchObject({ ok: true, version: 3 });
      const seenOnOne =
        echoOne.find((e) => e.version === 3) ?? (await nextEvent(onOne, 'edit', (e) => e.version === 3));
      expect(applyPatchExactly('one\ntwo\n', seenOnOne.patch)).toBe('one\ntwo\nthree\n');

      // An HTTP write handled by instance two reaches the socket on instance one.
      const put = await http(two.url)<ConcordDocument>(`/api/documents/${documentId}`, {
        method: 'PUT',
        token: bob.token,
        headers: { 'if-match': second.ok ? second.etag : '' },
        body: { content: 'over http\n' },
      });
      expect(put.status).toBe(200);
      const httpEdit =
        echoOne.find((e) => e.version === 4) ?? (await nextEvent(onOne, 'edit', (e) => e.version === 4));
      expect(httpEdit.author.id).toBe(bob.user.id);

      // Never echoed to the sender, on either instance; and each edit arrived exactly once.
      await quietFor(300);
      expect(echoOne.map((e) => e.version)).toEqual([3, 4]);
      expect(echoTwo.map((e) => e.version)).toEqual([2, 4]);

      // A disconnect on instance two updates presence on instance one.
      const alone = nextEvent(onOne, 'presence', (p) => p.users.length === 1);
      onTwo.close();
      expect((await alone).users).toEqual([alice.user]);
    });

    it('takes a member removed on one instance out of the room on the other, and tells them', async () => {
      const documentId = await documentSharedWithBob('Removed across');
      const members = `/api/documents/${documentId}/members`;
      const onOne = await connectClient(one.url, alice.token);
      const onTwo = await connectClient(two.url, bob.token);
      expect(await send(onOne, 'join', { documentId })).toMatchObject({ ok: true });
      expect(await send(onTwo, 'join', { documentId })).toMatchObject({ ok: true });
      const bobsEdits = record(onTwo, 'edit');

      const demoted = nextEvent(onTwo, 'access');
      expect(
        (
          await http(one.url)(`${members}/${bob.user.id}`, {
            method: 'PATCH',
            token: alice.token,
            body: { role: 'viewer' },
          })
        ).status,
      ).toBe(200);
      expect(await demoted).toEqual({ documentId, role: 'viewer', by: alice.user });

      const removed = nextEvent(onTwo, 'access');
      const aliceAlone = nextEvent(onOne, 'presence', (p) => p.users.length === 1);
      expect(
        (await http(one.url)(`${members}/${bob.user.id}`, { method: 'DELETE', token: alice.token })).status,
      ).toBe(204);
      expect(await removed).toEqual({ documentId, role: null, by: alice.user });
      expect((await aliceAlone).users).toEqual([alice.user]);
      expect(
        await send(onOne, 'edit', {
          documentId,
          baseVersion: 1,
          patch: makePatchText('one\n', 'one, private\n'),
        }),
      ).toMatchObject({ ok: true, version: 2 });
      await quietFor(300);
      expect(bobsEdits).toEqual([]);
    });

    it('carries a display name changed on one instance to the sockets and presence on the other', async () => {
      const documentId = await documentSharedWithBob('Renamed across');
      const onOne = await connectClient(one.url, alice.token);
      const onTwo = await connectClient(two.url, bob.token);
      expect(await send(onOne, 'join', { documentId })).toMatchObject({ ok: true });
      expect(await send(onTwo, 'join', { documentId })).toMatchObject({ ok: true });
      const renamed = { ...bob.user, displayName: `Bob ${randomUUID().slice(0, 8)}` };
      // Bob's socket is on two only: the presence comes from two, after the notice over Redis.
      const presence = nextEvent(onOne, 'presence', (p) =>
        p.users.some((u) => u.displayName === renamed.displayName),
      );
      const changed = await http(one.url)('/api/auth/me', {
        method: 'PATCH',
        token: bob.token,
        body: { displayName: renamed.displayName },
      });
      expect(changed.status).toBe(200);
      expect((await presence).users).toContainEqual(renamed);
      const edit = nextEvent(onOne, 'edit');
      expect(
        await send(onTwo, 'edit', {
          documentId,
          baseVersion: 1,
          patch: makePatchText('one\n', 'one, renamed\n'),
        }),
      ).toMatchObject({ ok: true, version: 2 });
      expect((await edit).author).toEqual(renamed);
      // Restore: later tests compare bob's summary as registered.
      await http(one.url)('/api/auth/me', {
        method: 'PATCH',
        token: bob.token,
        body: { displayName: bob.user.displayName },
      });
    });

    it('cuts off the earlier tokens of a new password on the other instance at once; the new token works there', async () => {
      const changing = await registerUser(one.url);
      const { closed: disconnected } = await socketCachedOnTwo(changing.token);
      const changedAt = Date.now();
      const changed = await http(one.url)<AuthResponse>('/api/auth/password', {
        method: 'PUT',
        token: changing.token,
        body: { currentPassword: 'correct horse battery', newPassword: 'another good passphrase' },
      });
      expect(changed.status).toBe(200);
      await expect(disconnected).resolves.toBe('io server disconnect');
      const newSocket = await connectClient(two.url, changed.body.token);
      expect(await refusedOnTwoSoon(changing.token, changedAt)).toBe(true);
      expect((await http(two.url)('/api/auth/me', { token: changed.body.token })).status).toBe(200);
      // Signing out everywhere on instance one closes the new token's socket on two.
      const newClosed = new Promise<string>((resolve) => newSocket.once('disconnect', resolve));
      expect(
        (await http(one.url)('/api/auth/sessions', { method: 'DELETE', token: changed.body.token })).status,
      ).toBe(204);
      await expect(newClosed).resolves.toBe('io server disconnect');
    });

    it('counts password attempts on one account across both instances: the limit holds once, not per instance', async () => {
      const target = await registerUser(one.url);
      const login = (server: TestServer, password: string) =>
        http(server.url)('/api/auth/login', {
          method: 'POST',
          body: { username: target.user.username, password },
        });
      const guesses: number[] = [];
      for (let n = 0; n < ACCOUNT_LIMIT; n += 1)
        guesses.push((await login(n % 2 === 0 ? one : two, 'wrong guess')).status);
      expect(guesses).toEqual(Array.from({ length: ACCOUNT_LIMIT }, () => 401));
      // Each instance saw only half the guesses; the right password is still refused on both.
      for (const server of [one, two]) {
        const refused = await login(server, 'correct horse battery');
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Another account is not held by it.
      const bystander = await registerUser(two.url);
      expect(
        (
          await http(one.url)('/api/auth/login', {
            method: 'POST',
            body: { username: bystander.user.username, password: 'correct horse battery' },
          })
        ).status,
      ).toBe(200);
    });

    it('a late notice of a new password, from another instance, spares the sockets of the new token', async () => {
      // A third "instance": a bare socket.io server on the same Redis channels, to send a notice
      // that reaches instance two after the account's new token has connected there.
      const pub = new Redis(REDIS_URL);
      const sub = pub.duplicate();
      const late = new Server().adapter(createAdapter(pub, sub, { key: redisKey }));
      try {
        const changing = await registerUser(one.url);
        const changed = await http(one.url)<AuthResponse>('/api/auth/password', {
          method: 'PUT',
          token: changing.token,
          body: { currentPassword: 'correct horse battery', newPassword: 'another good passphrase' },
        });
        expect(changed.status).toBe(200);
        const generation = (
          JSON.parse(Buffer.from(changed.body.token.split('.')[1], 'base64url').toString()) as { gen: number }
        ).gen;
        const kept = await connectClient(two.url, changed.body.token);
        // Another account's socket on two, ended by a second notice: Redis delivers the two in
        // order, so once it closes, two has handled the first.
        const marker = await registerUser(one.url);
        const { closed: markerClosed } = await socketCachedOnTwo(marker.token);
        late.serverSideEmit('sessions-ended', changing.user.id, generation);
        late.serverSideEmit('sessions-ended', marker.user.id, null);
        await expect(markerClosed).resolves.toBe('io server disconnect');
        expect(kept.connected).toBe(true);
        expect((await http(two.url)('/api/auth/me', { token: changed.body.token })).status).toBe(200);
      } finally {
        // Not listening (no engine to close): its adapter's subscriptions go with the clients.
        await late.of('/').adapter.close();
        pub.disconnect();
        sub.disconnect();
      }
    });

    it('ends a deleted account’s sessions on the other instance at once: its sockets close, its token is refused', async () => {
      const doomed = await registerUser(one.url);
      const { closed: disconnected } = await socketCachedOnTwo(doomed.token);
      const deletedAt = Date.now();
      const deleted = await http(one.url)('/api/auth/me', { method: 'DELETE', token: doomed.token });
      expect(deleted.status).toBe(204);
      await expect(disconnected).resolves.toBe('io server disconnect');
      expect(await refusedOnTwoSoon(doomed.token, deletedAt)).toBe(true);
      await expect(connectClient(two.url, doomed.token)).rejects.toThrow('unauthorized');
    });
  });
}
