// Convergence: 8 live clients type into one document at once for several seconds (merge: true,
// rebasing on 409 with the shared merge) and must end with the server's exact text, holding
// every acknowledged edit exactly once.
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { describeE2E, http, registerUser, startTestServer, type TestServer } from '../support';
import { LiveDocumentClient } from './realtime-live-client';
import { closeAllClients, connectClient, waitUntil } from './realtime.helpers';

// testTimeout is a global Jest option (the e2e project's setting does not reach here): set it per file.

const CLIENTS = 8;
const TYPING_MS = 5_000;

/** A small seeded PRNG, so a failing interleaving's seed can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeE2E('convergence of concurrent live editors', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    closeAllClients();
    await server?.close();
  });

  it(`${CLIENTS} clients typing at once for ${TYPING_MS / 1000}s end identical to the server, losing no acknowledged edit`, async () => {
    const api = http(server.url);
    const users: AuthResponse[] = await Promise.all(
      [...Array(CLIENTS).keys()].map(() => registerUser(server.url)),
    );
    const owner = users[0];
    const initial = [...Array(30).keys()].map((i) => `line ${i}`).join('\n') + '\n';
    const created = await api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: owner.token,
      body: { title: 'Converge', content: initial },
    });
    expect(created.status).toBe(201);
    const documentId = created.body.id;
    for (const user of users.slice(1)) {
      const added = await api(`/api/documents/${documentId}/members`, {
        method: 'POST',
        token: owner.token,
        body: { username: user.user.username, role: 'editor' },
      });
      expect([200, 201]).toContain(added.status);
    }

    const seed = Number(process.env.CONVERGENCE_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const clients = await Promise.all(
      users.map(async (user, i) => {
        const client = new LiveDocumentClient(
          await connectClient(server.url, user.token),
          documentId,
          `c${i}`,
          mulberry32(seed + i + 1),
        );
        await client.join();
        return client;
      }),
    );

    const stopAt = Date.now() + TYPING_MS;
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < stopAt) {
          await client.typeOnce();
          await new Promise((resolve) => setTimeout(resolve, 10 + random() * 60));
        }
      }),
    );

    const final = await api<ConcordDocument>(`/api/documents/${documentId}`, { token: owner.token });
    await waitUntil(
      () => clients.every((c) => c.version === final.body.version),
      'every client to reach the final version',
      10_000,
    );

    const sent = clients.reduce((n, c) => n + c.stats.sent, 0);
    const stale = clients.reduce((n, c) => n + c.stats.stale, 0);
    const acked = clients.reduce((n, c) => n + c.stats.acked, 0);
    const merged = clients.reduce((n, c) => n + c.stats.merged, 0);
    const reinserted = clients.reduce((n, c) => n + c.stats.reinserted, 0);
    console.log(
      `convergence (seed ${seed}): ${acked} edits acked of ${sent} sent, ${merged} merged by the server, ` +
        `${stale} answered 409 (${((100 * stale) / sent).toFixed(1)}%), ${reinserted} truly overlapping; final version ${final.body.version}`,
    );

    for (const client of clients) expect(client.text).toBe(final.body.content);
    expect(final.body.version).toBe(1 + acked);
    const lines = final.body.content.split('\n');
    for (const client of clients) {
      for (const token of client.ackedTokens) expect(lines.filter((line) => line === token)).toHaveLength(1);
    }
    for (let i = 0; i < 30; i += 1) expect(lines).toContain(`line ${i}`);
    expect(acked).toBeGreaterThan(CLIENTS * 5); // real concurrency, with room for a loaded CI machine
    // Lines typed at distinct places merge cleanly: every 409 was truly overlapping (the same
    // merge on the client could not resolve it either), and they stay a small share.
    const rebasedClean = clients.reduce((n, c) => n + c.stats.rebasedClean, 0);
    expect(rebasedClean).toBe(0);
    expect(stale).toBe(reinserted);
    expect(stale / sent).toBeLessThan(0.2);
  });
});
