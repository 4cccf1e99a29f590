// PostgreSQL restarted under load. Never the machine's shared cluster (other suites use it):
// a private PostgreSQL 15 cluster in a temp dir on a free port, restarted with pg_ctl while
// writers hammer a spawned server. Requests during the outage get 503 problem+json with
// Retry-After (never a 500, never a hang), the server recovers by itself, nothing
// acknowledged is lost.
import { spawnServer, type SpawnedServer } from '../support';
import {
  describeFault,
  documentWithEditors,
  occurrences,
  type PrivatePostgres,
  requirements,
  sleep,
  startPrivatePostgres,
} from './fault-support';
import { httpWriter, newLedger, readHistory, request, socketWriter, type Target } from './writers';

jest.setTimeout(120_000);

const WRITERS = 8;

describeFault('PostgreSQL restarted under load (private cluster)', [requirements.pgBinaries], () => {
  let postgres: PrivatePostgres;
  let server: SpawnedServer;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    // A short connect timeout: during the outage a request must fail fast (503), not queue for long.
    server = await spawnServer({
      env: { DATABASE_URL: postgres.url, DATABASE_CONNECT_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    postgres?.destroy();
  });

  it('pg_ctl restart and a stop/start mid-load (HTTP and socket writers): only 200/409/503+Retry-After, recovers alone, nothing acknowledged lost', async () => {
    const target: Target = { url: server.url };
    const { document, users } = await documentWithEditors(server.url, WRITERS);
    const ledger = newLedger();
    const deadline = Date.now() + 90_000;
    let loading = true;
    // Writers that keep going until told to stop: the load spans both outages. Half over HTTP,
    // half over the socket (whose 503 is an error ack, or a refused handshake while re-joining).
    const writers = users.map(async (user, index) => {
      const writer = index % 2 === 0 ? httpWriter : socketWriter;
      for (let round = 0; loading; round += 1) {
        await writer({
          target,
          ledger,
          documentId: document.id,
          token: user.token,
          name: `w${index}r${round}`,
          writes: 1,
          deadline,
        });
      }
    });
    await sleep(500);

    // 1. A restart in one go (fast shutdown: sessions are terminated, the pool's clients die).
    postgres.restart();
    await sleep(500);

    // 2. A longer outage, with probes that must each get a bounded 503 problem+json.
    const acknowledgedBeforeStop = ledger.acknowledged.size;
    postgres.stop();
    const probes = [];
    for (let i = 0; i < 5; i += 1) {
      const started = Date.now();
      const probe = await request(ledger, target, `/api/documents/${document.id}`, {
        token: users[0].token,
        timeoutMs: 10_000,
      });
      probes.push({
        status: probe.status,
        retryAfter: probe.headers.get('retry-after'),
        code: probe.body.code,
        ms: Date.now() - started,
      });
      await sleep(100);
    }
    const health = await request(ledger, target, '/api/health', { token: users[0].token, timeoutMs: 10_000 });
    postgres.start();

    // 3. The server recovers by itself: health and writes come back without a restart of Concord.
    const recoveryStarted = Date.now();
    while ((await request(ledger, target, '/api/health', { token: users[0].token })).status !== 200) {
      if (Date.now() - recoveryStarted > 30_000) throw new Error('the server did not recover within 30 s');
      await sleep(100);
    }
    const recoveredMs = Date.now() - recoveryStarted;
    const acknowledgedAtRecovery = ledger.acknowledged.size;
    while (ledger.acknowledged.size < acknowledgedAtRecovery + WRITERS && Date.now() < deadline)
      await sleep(20);
    loading = false;
    await Promise.all(writers);

    for (const probe of probes) {
      expect(probe).toMatchObject({
        status: 503,
        code: 'service_unavailable',
        retryAfter: expect.stringMatching(/^\d+$/),
      });
      expect(probe.ms).toBeLessThan(10_000);
    }
    expect(health.status).toBe(503);
    // On failure, the server's own error lines say why (the test fails either way).
    if (ledger.violations.length > 0)
      console.error(
        server
          .output()
          .split('\n')
          .filter((line) => /unhandled error|failed: /.test(line))
          .slice(0, 10)
          .join('\n'),
      );
    expect(ledger.violations).toEqual([]);
    expect([...ledger.statuses.keys()].every((status) => [200, 409, 503].includes(status))).toBe(true);
    expect(ledger.statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(acknowledgedBeforeStop).toBeGreaterThan(0);

    const history = await readHistory(target, ledger, document.id, users[0].token);
    const missing = [...ledger.acknowledged].filter(
      (mark) => occurrences(history.document.content, mark) !== 1,
    );
    const duplicated = [...ledger.attempted].filter(
      (mark) => occurrences(history.document.content, mark) > 1,
    );
    expect({ missing, duplicated }).toEqual({ missing: [], duplicated: [] });
    expect(history.versions).toEqual(Array.from({ length: history.document.version }, (_, i) => i + 1));
    expect(history.replayed).toBe(history.document.content);
    console.log(
      `postgres restart: ${ledger.acknowledged.size} acknowledged, recovered ${recoveredMs} ms after start, ` +
        `probe latencies ${probes.map((probe) => probe.ms).join('/')} ms, statuses ${JSON.stringify(Object.fromEntries(ledger.statuses))}`,
    );
  });
});
