// SIGTERM under load: writes the server already has in hand finish and are acknowledged (made
// deterministic with requests whose body is still uploading when the signal lands), live
// sockets are told to reconnect (a disconnect reason the socket.io client reconnects on), and
// the process exits 0 within a bound. A restart on the same database (the embedded one's
// DATA_DIR, or the same PostgreSQL) then shows every acknowledged write.
import { request as httpRequest } from 'node:http';
import type { ConcordDocument } from '@concord/shared';
import { io, type Socket } from 'socket.io-client';
import {
  createTestDatabase,
  http,
  registerUser,
  spawnServer,
  type SpawnedServer,
  type TestDatabase,
} from '../support';
import { describeFault, requirements, sleep } from './fault-support';

jest.setTimeout(90_000);

const SLOW_WRITES = 6;
const SOCKETS = 3;
const EXIT_BOUND_MS = 15_000;

/** A PUT whose headers and first half of the body are sent now, the rest when `finish()` is called. */
function slowPut(url: string, token: string, document: ConcordDocument, content: string) {
  const body = Buffer.from(JSON.stringify({ content }));
  const half = Math.floor(body.length / 2);
  const target = new URL(`/api/documents/${document.id}`, url);
  let connected!: () => void;
  let finishUpload: () => void = () => undefined;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      target,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'if-match': document.etag,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('socket', (socket) => socket.once('connect', () => connected()));
    req.write(body.subarray(0, half));
    finishUpload = () => req.end(body.subarray(half));
  });
  return { isConnected, answered, finish: () => finishUpload() };
}

const DATABASES = [
  { kind: 'embedded', needs: [] },
  { kind: 'postgres', needs: [requirements.postgres] },
] as const;

for (const { kind, needs } of DATABASES) {
  describeFault(`SIGTERM under load (${kind} database)`, [...needs], () => {
    let database: TestDatabase;
    let server: SpawnedServer | undefined;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('finishes in-flight writes, tells sockets to reconnect, exits 0 in time; the writes survive a restart', async () => {
      server = await spawnServer({ env: database.env });
      const api = http(server.url);
      const alice = await registerUser(server.url);
      const documents: ConcordDocument[] = [];
      for (let i = 0; i < SLOW_WRITES; i += 1) {
        const created = await api<ConcordDocument>('/api/documents', {
          method: 'POST',
          token: alice.token,
          body: { title: `Drain ${i}` },
        });
        expect(created.status).toBe(201);
        documents.push(created.body);
      }

      // Live clients with the client's default reconnection on: what they do next is the point.
      const reasons: string[] = [];
      let reconnectAttempts = 0;
      const sockets: Socket[] = [];
      for (let i = 0; i < SOCKETS; i += 1) {
        const socket = io(server.url, {
          auth: { token: alice.token },
          transports: ['websocket'],
          forceNew: true,
          reconnectionDelay: 200,
          reconnectionDelayMax: 500,
        });
        socket.on('disconnect', (reason) => reasons.push(reason));
        socket.io.on('reconnect_attempt', () => (reconnectAttempts += 1));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const joined = (await socket.timeout(5_000).emitWithAck('join', { documentId: documents[0].id })) as {
          ok: boolean;
        };
        expect(joined.ok).toBe(true);
        sockets.push(socket);
      }

      try {
        // Writes in the server's hands: headers and half a body received, the rest still coming.
        const slow = documents.map((document, i) =>
          slowPut(server!.url, alice.token, document, `drained write ${i}\n`),
        );
        await Promise.all(slow.map((write) => write.isConnected));
        await sleep(200);
        const signalled = Date.now();
        server.kill('SIGTERM');
        await sleep(300);
        for (const write of slow) write.finish();
        const answers = await Promise.all(slow.map((write) => write.answered));
        // An unref'd timer: once the process has exited, nothing keeps Jest waiting for the bound.
        const bound = new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), EXIT_BOUND_MS).unref(),
        );
        const exit = await Promise.race([server.exited, bound]);
        const exitMs = Date.now() - signalled;

        expect(answers.map((answer) => answer.status)).toEqual(
          Array.from({ length: SLOW_WRITES }, () => 200),
        );
        expect(exit).toEqual({ code: 0, signal: null });
        expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
        // Every socket was disconnected with a reason the client reconnects on ("io server disconnect" it would not).
        expect(reasons).toHaveLength(SOCKETS);
        for (const reason of reasons)
          expect(['transport close', 'transport error', 'ping timeout']).toContain(reason);
        await sleep(400);
        expect(reconnectAttempts).toBeGreaterThan(0);
        console.log(
          `SIGTERM (${kind}): ${SLOW_WRITES} in-flight writes answered 200, exit 0 after ${exitMs} ms, socket reasons ${reasons.join(', ')}`,
        );
      } finally {
        for (const socket of sockets) socket.close();
      }

      // Same database (for the embedded one, the clean shutdown released DATA_DIR's lock): every
      // acknowledged write is there.
      server = await spawnServer({ env: database.env });
      for (const [i, document] of documents.entries()) {
        const read = await http(server.url)<ConcordDocument>(`/api/documents/${document.id}`, {
          token: alice.token,
        });
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({ version: 2, content: `drained write ${i}\n` });
      }
    });
  });
}
