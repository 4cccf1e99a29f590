#!/usr/bin/env node
// Read path (issue 6, benchmark 2): GET /api/documents/:id without and with If-None-Match
// (a 304) against a hello-world route of the same Nest app (GET /api/bench/hello, registered
// only when CONCORD_BENCH_ROUTES=1), through the built server, in the same run.
//
//   node test/bench/read/read.bench.mjs [--quick]     (exported: run({ quick }))
import autocannon from 'autocannon';
import { api, CAN_PIN, createBenchDatabase, pinLoadGenerator, registerBenchUser, startConcord } from '../lib/concord-server.mjs';
import { median, ratio } from '../lib/stats.mjs';
import { runAsScript } from '../lib/run-as-script.mjs';

const CONNECTIONS = 50;

export const METHOD =
  `autocannon, ${CONNECTIONS} connections, fixed duration per run, against the built server${CAN_PIN ? ' (server and load generator on different cores)' : ''}. ` +
  'The document holds 2 KB of Markdown; requests carry the owner’s bearer token (its signature verified on every request; the user behind it is looked up at most every 5 s per process, as in production). ' +
  'Baseline: GET /api/bench/hello of the same app — same middleware (request id, helmet, pino, metrics, global guard with @Public) — ' +
  'registered only when CONCORD_BENCH_ROUTES=1. Runs of the three routes are interleaved; medians of 3 runs.';

async function measure(url, path, headers, seconds, expectStatus) {
  let unexpected = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers,
    requests: [{ onResponse: (status) => (status === expectStatus ? undefined : (unexpected += 1)) }],
  });
  return { requestsPerSecond: result.requests.total / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, unexpected: unexpected + result.errors + result.timeouts };
}

export async function run({ quick = false } = {}) {
  pinLoadGenerator();
  const runs = quick ? 1 : 3;
  const seconds = quick ? 1 : 5;
  const database = await createBenchDatabase('read');
  let server;
  try {
    server = await startConcord({ database });
    const { token } = await registerBenchUser(server.url);
    const content = '# Read bench\n\n'.concat('Some *Markdown* text for the read path benchmark.\n'.repeat(40)).slice(0, 2048);
    const { body: document } = await api(server.url, '/api/documents', { method: 'POST', token, body: { title: 'read bench', content } });
    const auth = { authorization: `Bearer ${token}` };
    const targets = [
      { key: 'hello', name: 'GET /api/bench/hello (baseline)', path: '/api/bench/hello', headers: {}, status: 200 },
      { key: 'get', name: 'GET /api/documents/:id → 200', path: `/api/documents/${document.id}`, headers: auth, status: 200 },
      { key: 'get304', name: 'GET /api/documents/:id + If-None-Match → 304', path: `/api/documents/${document.id}`, headers: { ...auth, 'if-none-match': document.etag }, status: 304 },
    ];
    // Warm-up (JIT, pool connections), not measured.
    for (const target of targets) await measure(server.url, target.path, target.headers, 1, target.status);
    const samples = new Map(targets.map((t) => [t.key, []]));
    for (let i = 0; i < runs; i += 1) {
      for (const target of targets) samples.get(target.key).push(await measure(server.url, target.path, target.headers, seconds, target.status));
    }
    const summarize = (key) => {
      const list = samples.get(key);
      return {
        requestsPerSecond: median(list.map((s) => s.requestsPerSecond)),
        p50Ms: median(list.map((s) => s.p50Ms)),
        p99Ms: median(list.map((s) => s.p99Ms)),
        unexpected: list.reduce((n, s) => n + s.unexpected, 0),
      };
    };
    const baseline = summarize('hello');
    const results = targets.map((target) => {
      const figures = summarize(target.key);
      return { key: target.key, scenario: target.name, ...figures, baseline, ratio: ratio(figures.requestsPerSecond, baseline.requestsPerSecond), target: target.key === 'hello' ? undefined : 0.8 };
    });
    return { name: 'read', quick, ok: results.every((r) => r.unexpected === 0), method: METHOD, results };
  } finally {
    await server?.stop();
    await database.drop();
  }
}

runAsScript(import.meta.url, run);
