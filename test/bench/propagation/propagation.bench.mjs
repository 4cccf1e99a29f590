#!/usr/bin/env node
// Edit propagation benchmark (issue 4): the time from a typist's `emit('edit')` to each other
// client's receipt of the broadcast, p50/p99, for Concord (the built server, real database)
// and, in the same run with the same client harness, for a bare socket.io re-broadcast server
// (the floor). Every receiver also checks that it got every acknowledged edit exactly once and
// in version order.
//
//   npm run build && node test/bench/propagation/propagation.bench.mjs [--quick]
//
// Exported for test/bench/run.mjs: `run({ quick }) → { name, ok, quick, method, scenarios }`.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { applyPatchStrict, makePatch } from '@concord/shared';
import { io } from 'socket.io-client';
import {
  cpuSecondsOf,
  createBenchDatabase,
  freePort,
  pinLoadGenerator,
  SERVER_MAIN,
  sleep,
  spawnNode,
  waitFor,
} from '../lib/concord-server.mjs';
import { runAsScript } from '../lib/run-as-script.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export const SCENARIOS = {
  full: [
    {
      key: 'a',
      name: '1 doc × 50 clients, 1 typist at 20 edits/s',
      docs: 1,
      clientsPerDoc: 50,
      typistsPerDoc: 1,
      editsPerSecond: 20,
      seconds: 10,
    },
    {
      key: 'b',
      name: '1 doc × 200 clients, 40 typists (20%) at 5 edits/s',
      docs: 1,
      clientsPerDoc: 200,
      typistsPerDoc: 40,
      editsPerSecond: 5,
      seconds: 10,
    },
    {
      key: 'c',
      name: '100 docs × 10 clients, every client at 2 edits/s',
      docs: 100,
      clientsPerDoc: 10,
      typistsPerDoc: 10,
      editsPerSecond: 2,
      seconds: 10,
    },
  ],
  quick: [
    {
      key: 'a',
      name: 'quick: 1 doc × 10 clients, 1 typist at 20 edits/s',
      docs: 1,
      clientsPerDoc: 10,
      typistsPerDoc: 1,
      editsPerSecond: 20,
      seconds: 2,
    },
    {
      key: 'b',
      name: 'quick: 1 doc × 20 clients, 4 typists at 5 edits/s',
      docs: 1,
      clientsPerDoc: 20,
      typistsPerDoc: 4,
      editsPerSecond: 5,
      seconds: 2,
    },
    {
      key: 'c',
      name: 'quick: 10 docs × 5 clients, every client at 2 edits/s',
      docs: 10,
      clientsPerDoc: 5,
      typistsPerDoc: 5,
      editsPerSecond: 2,
      seconds: 2,
    },
  ],
};

const WARMUP_MS = 1000;
const DEBUG = process.env.BENCH_DEBUG === '1';

/** A database of its own on the local PostgreSQL when reachable, else embedded PGlite in a temp dir. */
async function benchDatabase() {
  if (process.env.BENCH_DATABASE !== 'embedded') {
    try {
      const database = await createBenchDatabase('propagation');
      return { kind: 'postgresql', env: { DATABASE_URL: database.url }, drop: () => database.drop() };
    } catch (error) {
      console.warn(`propagation bench: PostgreSQL not usable (${error.message}); using embedded PGlite`);
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
  return {
    kind: 'embedded PGlite',
    env: { DATA_DIR: dataDir },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startConcord() {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first`);
  const database = await benchDatabase();
  const port = await freePort();
  const server = spawnNode([SERVER_MAIN], {
    ...database.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomUUID() + randomUUID(),
    REDIS_URL: '',
    // The harness's typists are the load; the per-socket limit is tested elsewhere.
    REALTIME_EDIT_RATE: '10000',
    REALTIME_EDIT_BURST: '10000',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/api/health`)).ok, 90_000, `Concord at ${url}`);
  } catch (error) {
    await server.stop();
    await database.drop();
    throw new Error(`${error.message}\n${server.output()}`);
  }
  const api = async (path, init = {}, token) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path} → ${response.status} ${await response.text()}`);
    return response.json();
  };
  const { token } = await api('/api/auth/register', {
    method: 'POST',
    body: JSON.stringify({ username: `bench${process.pid}`, password: 'bench-password-1' }),
  });
  return {
    kind: 'concord',
    label: `Concord (${database.kind})`,
    pid: server.pid,
    output: server.output,
    url,
    token,
    tracksText: true,
    async createDocument(index) {
      // Typists insert at line boundaries: 50 lines give them distinct places, as real prose would.
      const content = Array.from({ length: 50 }, (_, line) => `line ${line}`).join('\n') + '\n';
      const document = await api(
        '/api/documents',
        { method: 'POST', body: JSON.stringify({ title: `bench ${index}`, content }) },
        token,
      );
      return document.id;
    },
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

async function startBare() {
  const port = await freePort();
  const server = spawnNode([join(here, 'bare-server.mjs')], { PORT: String(port) });
  await waitFor(() => server.output().includes('listening'), 10_000, 'the bare socket.io server');
  return {
    kind: 'bare',
    label: 'bare socket.io re-broadcast (floor)',
    pid: server.pid,
    url: `http://127.0.0.1:${port}`,
    token: 'none',
    tracksText: false,
    createDocument: async () => randomUUID(),
    stop: () => server.stop(),
  };
}

function connect(url, token) {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolveSocket, reject) => {
    socket.once('connect', () => resolveSocket(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Inserts a unique line at a random line boundary (as in the convergence suite). */
function insertLine(text, line) {
  const boundaries = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) boundaries.push(i + 1);
  const at = boundaries[Math.floor(Math.random() * boundaries.length)];
  return `${text.slice(0, at)}${line}\n${text.slice(at)}`;
}

/** As the web client applies a broadcast or a merge ack: exactly, or it is an error. */
function applyPatch(text, patch) {
  const applied = applyPatchStrict(text, patch);
  if (!applied.ok) throw new Error(`a broadcast patch did not apply: ${applied.detail}`);
  return applied.text;
}

/** One connected client: records what it receives; a typist also keeps the text to patch it. */
class Client {
  constructor(socket, documentId, sentAt, latencies, tracksText) {
    Object.assign(this, { socket, documentId, sentAt, latencies, tracksText });
    this.received = [];
    this.text = '';
    this.version = 0;
    this.pending = new Map();
    this.busy = false;
    socket.on('edit', (edit) => this.onEdit(edit));
  }

  onEdit(edit) {
    const now = performance.now();
    const sent = this.sentAt.get(edit.clientEditId);
    if (sent !== undefined && sent >= this.latencies.measureFrom) this.latencies.push(now - sent);
    if (DEBUG && this.received.length > 0 && edit.version <= this.received.at(-1)) {
      console.error(
        `reordered: ${this.received.at(-1)} then ${edit.version} (base ${edit.baseVersion}, at ${edit.at}, ${edit.clientEditId})`,
      );
    }
    this.received.push(edit.version);
    if (!this.tracksText) return;
    if (edit.version <= this.version) return;
    this.pending.set(edit.baseVersion, edit);
    if (!this.busy) this.drain();
  }

  async join() {
    this.busy = true;
    const ack = await this.socket.timeout(30_000).emitWithAck('join', { documentId: this.documentId });
    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
    this.adopt(ack.document.content, ack.document.version);
    this.busy = false;
    this.drain();
  }

  adopt(text, version) {
    if (version < this.version) return;
    this.text = text;
    this.version = version;
    for (const base of this.pending.keys()) if (base < version) this.pending.delete(base);
  }

  drain() {
    for (let next = this.pending.get(this.version); next; next = this.pending.get(this.version)) {
      this.pending.delete(next.baseVersion);
      this.text = applyPatch(this.text, next.patch);
      this.version = next.version;
    }
  }
}

class Typist {
  constructor(client, id, stats) {
    Object.assign(this, { client, id, stats });
    this.sequence = 0;
    this.owed = 0;
    this.ownVersions = new Set();
  }

  tick() {
    if (this.client.busy) {
      // Still waiting for the previous ack: type it as soon as that arrives (keeps the rate).
      this.owed += 1;
      return;
    }
    void this.type();
  }

  async type() {
    const client = this.client;
    client.busy = true;
    this.sequence += 1;
    const clientEditId = `${this.id}:${this.sequence}`;
    const line = `[${clientEditId}]`;
    const mine = client.tracksText ? insertLine(client.text, line) : '';
    const patch = client.tracksText
      ? makePatch(client.text, mine)
      : `@@ -0,0 +1,${line.length} @@\n+${line}\n`;
    this.stats.sent += 1;
    client.sentAt.set(clientEditId, performance.now());
    try {
      const ack = await client.socket.timeout(30_000).emitWithAck('edit', {
        documentId: client.documentId,
        baseVersion: Math.max(1, client.version),
        patch,
        clientEditId,
        merge: true,
      });
      if (ack.ok) {
        this.stats.acked += 1;
        this.ownVersions.add(ack.version);
        this.stats.ackedVersions.get(client.documentId).add(ack.version);
        if (ack.merged) this.stats.merged += 1;
        client.adopt(ack.merged && ack.patch !== undefined ? applyPatch(mine, ack.patch) : mine, ack.version);
      } else if (ack.error.code === 'stale_version' && ack.error.current) {
        this.stats.conflicts += 1;
        client.adopt(ack.error.current.content, ack.error.current.version);
      } else {
        this.stats.errors.push(`${ack.error.status} ${ack.error.code}`);
      }
    } catch (error) {
      this.stats.errors.push(String(error.message ?? error));
    } finally {
      client.busy = false;
      client.drain();
    }
    if (this.owed > 0 && !this.stopped) {
      this.owed -= 1;
      void this.type();
    }
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function runScenario(target, scenario) {
  const sentAt = new Map();
  // Edits sent in the first second warm up both servers (JIT, pools) and are checked but not timed.
  const latencies = Object.assign([], { measureFrom: Number.POSITIVE_INFINITY });
  const documents = await inBatches([...Array(scenario.docs).keys()], 20, (i) => target.createDocument(i));
  const stats = {
    sent: 0,
    acked: 0,
    merged: 0,
    conflicts: 0,
    errors: [],
    ackedVersions: new Map(documents.map((d) => [d, new Set()])),
  };
  const slots = documents.flatMap((documentId) =>
    [...Array(scenario.clientsPerDoc).keys()].map((i) => ({ documentId, i })),
  );
  const clients = await inBatches(slots, 50, async ({ documentId, i }) => {
    const client = new Client(
      await connect(target.url, target.token),
      documentId,
      sentAt,
      latencies,
      target.tracksText,
    );
    await client.join();
    return {
      client,
      typist:
        i < scenario.typistsPerDoc ? new Typist(client, `${documentId.slice(0, 8)}-${i}`, stats) : undefined,
    };
  });
  const typists = clients.flatMap(({ typist }) => typist ?? []);

  // Each typist ticks at its rate from a random phase, so edits do not arrive in lockstep.
  const interval = 1000 / scenario.editsPerSecond;
  const timers = [];
  const started = performance.now();
  const cpuAtStart = cpuSecondsOf(target.pid);
  latencies.measureFrom = started + WARMUP_MS;
  for (const typist of typists) {
    timers.push(
      setTimeout(() => {
        typist.tick();
        timers.push(setInterval(() => typist.tick(), interval));
      }, Math.random() * interval),
    );
  }
  await sleep(WARMUP_MS + scenario.seconds * 1000);
  for (const timer of timers) clearInterval(timer);
  for (const typist of typists) typist.stopped = true;
  const elapsed = (performance.now() - started) / 1000;
  const serverCpuPercent = Math.round((100 * (cpuSecondsOf(target.pid) - cpuAtStart)) / elapsed);

  // Let in-flight acks and broadcasts land, then check every receiver.
  await waitFor(() => typists.every((t) => !t.client.busy), 30_000, 'the last acks').catch(() => undefined);
  const expectedCount = (client, own) =>
    [...stats.ackedVersions.get(client.documentId)].filter((v) => !own.has(v)).length;
  await waitFor(
    () =>
      clients.every(
        ({ client, typist }) =>
          client.received.length >= expectedCount(client, typist?.ownVersions ?? new Set()),
      ),
    10_000,
    'the last broadcasts',
  ).catch(() => undefined);

  let lost = 0;
  let reordered = 0;
  let duplicated = 0;
  for (const { client, typist } of clients) {
    const own = typist?.ownVersions ?? new Set();
    const got = new Set(client.received);
    duplicated += client.received.length - got.size;
    for (let i = 1; i < client.received.length; i += 1)
      if (client.received[i] <= client.received[i - 1]) reordered += 1;
    for (const version of stats.ackedVersions.get(client.documentId))
      if (!own.has(version) && !got.has(version)) lost += 1;
  }
  for (const { client } of clients) client.socket.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 100) / 100;
  return {
    target: target.label,
    scenario: scenario.name,
    key: scenario.key,
    clients: clients.length,
    typists: typists.length,
    editsSent: stats.sent,
    editsAcked: stats.acked,
    editsPerSecond: Math.round(stats.acked / elapsed),
    serverCpuPercent,
    merged: stats.merged,
    conflicts: stats.conflicts,
    errors: stats.errors.length,
    firstError: stats.errors[0],
    deliveries: latencies.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    lost,
    reordered,
    duplicated,
  };
}

export const METHOD =
  'One Node process drives all clients (socket.io-client 4.8.3, websocket transport); Concord runs as the built ' +
  'server in its own process on a fresh PostgreSQL database, the floor as a bare socket.io server in its own process ' +
  'that re-broadcasts each edit to the room. Latency = receipt of the broadcast minus the sender’s emit, one clock. ' +
  'Typists insert a unique line at a random line boundary, one edit in flight each, merge: true, and patch as the web ' +
  'client does (the shared library’s makePatch, and applyPatchStrict for broadcasts and merge acks: a patch that ' +
  'does not apply exactly fails the run); receivers check ' +
  'that every acknowledged version arrives exactly once and in order. The first second of each scenario is a ' +
  'warm-up: checked, not timed.';

export async function run({ quick = false } = {}) {
  const scenarios = quick ? SCENARIOS.quick : SCENARIOS.full;
  pinLoadGenerator();
  const results = [];
  const loadAverageAtStart = loadavg().map((n) => Math.round(n * 10) / 10);
  for (const start of [startBare, startConcord]) {
    const target = await start();
    try {
      for (const scenario of scenarios) results.push(await runScenario(target, scenario));
    } finally {
      await target.stop();
    }
  }
  const ok = results.every((r) => r.lost === 0 && r.reordered === 0 && r.duplicated === 0 && r.errors === 0);
  // The machine's load says how much of the figures is contention from other work.
  const machine = {
    cpus: cpus().length,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map((n) => Math.round(n * 10) / 10),
  };
  return { name: 'propagation', quick, ok, method: METHOD, machine, results };
}

function printTable(summary) {
  console.log(
    `\nEdit propagation${summary.quick ? ' (quick)' : ''}: ${summary.ok ? 'no loss, no reordering' : 'FAILED'}`,
  );
  console.log(
    `${summary.machine.cpus} CPUs, load average ${summary.machine.loadAverageAtStart.join(' ')} → ${summary.machine.loadAverageAtEnd.join(' ')}`,
  );
  console.table(
    summary.results.map((r) => ({
      scenario: r.key,
      target: r.target.startsWith('Concord') ? 'concord' : 'floor',
      clients: r.clients,
      'edits/s': r.editsPerSecond,
      'server CPU %': r.serverCpuPercent,
      deliveries: r.deliveries,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'max ms': r.maxMs,
      '409s': r.conflicts,
      lost: r.lost,
      reordered: r.reordered,
      errors: r.errors,
    })),
  );
}

runAsScript(import.meta.url, run, (summary) => {
  printTable(summary);
  if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
});
