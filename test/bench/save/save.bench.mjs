#!/usr/bin/env node
// Save under optimistic locking (issue 6, benchmark 1): PUT /api/documents/:id with If-Match
// through the built server, 100 connections (autocannon), on (a) random documents out of 1,000
// with 2 KB bodies and (b) one hot document; beside pgbench running the same conditional
// UPDATE … WHERE id = $1 AND version = $2 on the same PostgreSQL, in the same run.
// Zero lost updates is checked exactly: every request is counted (autocannon `amount`, no
// request is cut by a deadline), so each document's final version must be 1 + its 200s.
//
//   node test/bench/save/save.bench.mjs [--quick]     (exported: run({ quick }))
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  api,
  CAN_PIN,
  createBenchDatabase,
  inBatches,
  LOAD_CPUS,
  pinLoadGenerator,
  registerBenchUser,
  startConcord,
  withPgClient,
} from '../lib/concord-server.mjs';
import { median, ratio, summarize } from '../lib/stats.mjs';
import { runAsScript } from '../lib/run-as-script.mjs';

const CONNECTIONS = 100;
/** pgbench clients: max_connections is 100 here and shared with Concord's pool and other users. */
const PGBENCH_CLIENTS = 50;
/** The smoke run only checks that the baseline runs: few connections, so a busy shared server still has room. */
const PGBENCH_QUICK_CLIENTS = 5;
const BODY_BYTES = 2048;

function pgbenchPath() {
  for (const candidate of ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/** Bodies of exactly BODY_BYTES bytes of Markdown-ish text, a few variants so each PUT changes the content. */
function bodies(count) {
  return Array.from({ length: count }, (_, i) => {
    const line = `- item ${i}: the quick brown fox jumps over the lazy dog\n`;
    return line.repeat(Math.ceil(BODY_BYTES / line.length)).slice(0, BODY_BYTES);
  });
}

function headerOf(headers, name) {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
}

/**
 * One autocannon run of `amount` PUTs. `pick()` chooses the document; the If-Match sent is the
 * latest ETag any response showed for it (a 409 carries the current one in its ETag header).
 */
async function concordRun({ url, token, documents, pick, amount, connections }) {
  const contents = bodies(8);
  const okByDocument = new Map();
  let sequence = 0;
  const statuses = new Map();
  // autocannon ends a run of `amount` requests on its next one-second tick and reports that as
  // the duration: the wall time to the last response is the run's real length.
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  const result = await autocannon({
    url,
    connections,
    amount,
    timeout: 30,
    requests: [
      {
        method: 'PUT',
        setupRequest(request, context) {
          const id = pick();
          context.id = id;
          sequence += 1;
          return {
            ...request,
            path: `/api/documents/${id}`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'if-match': documents.get(id) },
            body: JSON.stringify({ content: contents[sequence % contents.length] }),
          };
        },
        onResponse(status, _body, context, headers) {
          lastResponseAt = performance.now();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const etag = headerOf(headers, 'etag');
          if (etag !== undefined) documents.set(context.id, etag);
          if (status === 200) okByDocument.set(context.id, (okByDocument.get(context.id) ?? 0) + 1);
        },
      },
    ],
  });
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const ok = statuses.get(200) ?? 0;
  const conflicts = statuses.get(409) ?? 0;
  const seconds = (lastResponseAt - startedAt) / 1000;
  return {
    okByDocument,
    requests: total,
    ok,
    conflicts,
    other: total - ok - conflicts,
    otherStatuses: [...statuses].filter(([s]) => s !== 200 && s !== 409).map(([s, n]) => `${s}×${n}`).join(' '),
    errors: result.errors + result.timeouts,
    requestsPerSecond: total / seconds,
    savesPerSecond: ok / seconds,
    conflictShare: total === 0 ? Number.NaN : conflicts / total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/** pgbench: the same conditional UPDATE on a table of the same shape (id, version, 2 KB content). */
async function pgbenchRun({ pgbench, database, hot, seconds, rows, clients }) {
  return withPgClient(database.url, async (client) => {
    const before = await client.query('SELECT sum(version)::bigint AS total FROM bench_docs');
    const dir = mkdtempSync(join(tmpdir(), 'concord-pgbench-'));
    const script = join(dir, 'save.sql');
    // Read the version (what the HTTP client knows from its last ETag), then the conditional write.
    writeFileSync(
      script,
      [
        hot ? '\\set id 0' : `\\set id random(1, ${rows})`,
        'SELECT version AS v FROM bench_docs WHERE id = :id \\gset',
        'UPDATE bench_docs SET content = :body, version = version + 1 WHERE id = :id AND version = :v;',
        '',
      ].join('\n'),
    );
    const url = new URL(database.url);
    const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-D', `body=${bodies(1)[0]}`, '-f', script];
    // Per-transaction log (latency in µs, 3rd column) for p50/p99, like autocannon's.
    args.push('-l', `--log-prefix=${join(dir, 'log')}`);
    args.push('-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1));
    const command = CAN_PIN ? 'taskset' : pgbench;
    const argv = CAN_PIN ? ['-c', LOAD_CPUS, pgbench, ...args] : args;
    const out = spawnSync(command, argv, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
    const latenciesMs = readdirSync(dir)
      .filter((file) => file.startsWith('log'))
      .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
      .filter((line) => line.length > 0)
      .map((line) => Number(line.split(' ')[2]) / 1000);
    rmSync(dir, { recursive: true, force: true });
    if (out.status !== 0) throw new Error(`pgbench failed: ${out.stderr || out.stdout}`);
    const { p50, p99 } = summarize(latenciesMs);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out.stdout)?.[1]);
    const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out.stdout)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out.stdout)?.[1]);
    const after = await client.query('SELECT sum(version)::bigint AS total FROM bench_docs');
    const updated = Number(after.rows[0].total) - Number(before.rows[0].total);
    return {
      requestsPerSecond: tps,
      savesPerSecond: (updated / transactions) * tps,
      conflictShare: transactions === 0 ? Number.NaN : 1 - updated / transactions,
      latencyAvgMs: latencyMs,
      p50Ms: p50,
      p99Ms: p99,
    };
  });
}

async function preparePgbenchTable(database, rows) {
  return withPgClient(database.url, async (client) => {
    await client.query('CREATE TABLE bench_docs (id integer PRIMARY KEY, version integer NOT NULL, content text NOT NULL)');
    await client.query('INSERT INTO bench_docs SELECT g, 1, $1 FROM generate_series(0, $2) AS g', [bodies(1)[0], rows]);
    await client.query('VACUUM ANALYZE bench_docs');
  });
}

/** Final version of each document straight from the database. */
async function versionsOf(database, ids) {
  return withPgClient(database.url, async (client) => {
    const { rows } = await client.query('SELECT id, version FROM documents WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((row) => [row.id, row.version]));
  });
}

export const METHOD =
  `autocannon (in the runner process${CAN_PIN ? `, pinned to CPU ${LOAD_CPUS}` : ''}) sends PUT /api/documents/:id with If-Match ` +
  `and a 2 KB body over ${CONNECTIONS} connections to the built server${CAN_PIN ? ' (pinned to its own core)' : ''} on a fresh PostgreSQL ` +
  `database; each request's If-Match is the latest ETag seen for that document (a 409's ETag header is the current one). ` +
  `A fixed number of requests per run (no request is cut by a deadline), so after all runs every document's version ` +
  `must equal 1 + its 200s exactly; rates are per second of wall time from the first request to the last response ` +
  `(until 2026-11-26 12:00 they used autocannon's duration, which it rounds up to its next one-second tick: ` +
  `short runs were understated up to 2×). Baseline: pgbench (${PGBENCH_CLIENTS} clients — max_connections is 100 and shared — ` +
  `-M prepared, clients = min(N, 50)) running SELECT version … then UPDATE … SET content = $body, version = version + 1 WHERE id = $1 AND ` +
  `version = $2 on a table of the same shape in the same database; saves/s counts rows actually updated. Medians of 3 runs.`;

export async function run({ quick = false } = {}) {
  pinLoadGenerator();
  const runs = quick ? 1 : 3;
  const documentCount = quick ? 50 : 1000;
  const amounts = quick ? { random: 300, hot: 200 } : { random: 3000, hot: 3000 };
  const clientCounts = quick ? [CONNECTIONS] : [10, 50, CONNECTIONS];
  const pgbenchSeconds = quick ? 2 : 6;
  const pgbench = pgbenchPath();
  const database = await createBenchDatabase('save');
  let server;
  try {
    server = await startConcord({ database });
    const { token } = await registerBenchUser(server.url);
    const documents = new Map();
    const created = await inBatches([...Array(documentCount + 1).keys()], 25, async (i) => {
      const { body } = await api(server.url, '/api/documents', { method: 'POST', token, body: { title: `save ${i}`, content: bodies(1)[0] } });
      documents.set(body.id, body.etag);
      return body.id;
    });
    const hotId = created[documentCount];
    const randomIds = created.slice(0, documentCount);
    if (pgbench !== undefined) await preparePgbenchTable(database, documentCount);

    const okTotals = new Map();
    const scenarios = [
      { key: 'a', name: `random documents of ${documentCount}, 2 KB bodies`, pick: () => randomIds[Math.floor(Math.random() * randomIds.length)], amount: amounts.random, hot: false },
      { key: 'b', name: 'one hot document, 2 KB bodies', pick: () => hotId, amount: amounts.hot, hot: true },
    ];
    const results = [];
    for (const scenario of scenarios) {
      for (const connections of clientCounts) {
        const concordRuns = [];
        const baselineRuns = [];
        // Fewer requests at the lower client counts: they only draw the latency curve.
        const amount = connections === CONNECTIONS ? scenario.amount : Math.ceil(scenario.amount / 3);
        const pgbenchClients = Math.min(connections, quick ? PGBENCH_QUICK_CLIENTS : PGBENCH_CLIENTS);
        for (let i = 0; i < runs; i += 1) {
          const one = await concordRun({ url: server.url, token, documents, pick: scenario.pick, amount, connections });
          for (const [id, n] of one.okByDocument) okTotals.set(id, (okTotals.get(id) ?? 0) + n);
          concordRuns.push(one);
          if (pgbench !== undefined) {
            baselineRuns.push(await pgbenchRun({ pgbench, database, hot: scenario.hot, seconds: pgbenchSeconds, rows: documentCount, clients: pgbenchClients }));
          }
        }
        const m = (list, field) => median(list.map((r) => r[field]));
        const baseline =
          baselineRuns.length === 0
            ? undefined
            : {
                clients: pgbenchClients,
                savesPerSecond: m(baselineRuns, 'savesPerSecond'),
                requestsPerSecond: m(baselineRuns, 'requestsPerSecond'),
                conflictShare: m(baselineRuns, 'conflictShare'),
                p50Ms: m(baselineRuns, 'p50Ms'),
                p99Ms: m(baselineRuns, 'p99Ms'),
              };
        results.push({
          key: scenario.key,
          scenario: scenario.name,
          connections,
          requestsPerRun: amount,
          savesPerSecond: m(concordRuns, 'savesPerSecond'),
          requestsPerSecond: m(concordRuns, 'requestsPerSecond'),
          p50Ms: m(concordRuns, 'p50Ms'),
          p99Ms: m(concordRuns, 'p99Ms'),
          conflictShare: m(concordRuns, 'conflictShare'),
          otherStatuses: concordRuns.map((r) => r.otherStatuses).filter(Boolean).join(' '),
          errors: concordRuns.reduce((n, r) => n + r.errors + r.other, 0),
          baseline,
          ratio: baseline ? ratio(m(concordRuns, 'savesPerSecond'), baseline.savesPerSecond) : Number.NaN,
          target: scenario.hot ? 0.8 : 0.4,
        });
      }
    }

    // Zero lost updates: version = 1 + acknowledged saves, for every document that was written.
    const finals = await versionsOf(database, created);
    let lost = 0;
    let unexplained = 0;
    for (const id of created) {
      const expected = 1 + (okTotals.get(id) ?? 0);
      const actual = finals.get(id);
      if (actual < expected) lost += expected - actual;
      else if (actual > expected) unexplained += actual - expected;
    }
    const acknowledged = [...okTotals.values()].reduce((a, b) => a + b, 0);
    const ok = lost === 0 && unexplained === 0 && results.every((r) => r.errors === 0) && acknowledged > 0;
    return {
      name: 'save',
      quick,
      ok,
      method: METHOD,
      baselineMissing: pgbench === undefined ? 'pgbench not found: baseline not measured' : undefined,
      results,
      check: { documents: created.length, acknowledged, lost, unexplained },
    };
  } finally {
    await server?.stop();
    await database.drop();
  }
}

runAsScript(import.meta.url, run);
