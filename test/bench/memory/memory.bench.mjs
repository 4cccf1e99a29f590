#!/usr/bin/env node
// Memory (issue 6, benchmark 6): resident memory (VmRSS) of the built server per idle
// connected editor and per open document, at 1,000 sockets; beside the bare socket.io server
// of the propagation benchmark (test/bench/propagation/bare-server.mjs) driven the same way.
//
//   node test/bench/memory/memory.bench.mjs [--quick]   (exported: run({ quick }))
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  api,
  createBenchDatabase,
  freePort,
  inBatches,
  pinLoadGenerator,
  registerBenchUser,
  rssOf,
  sleep,
  spawnNode,
  startConcord,
  waitFor,
} from '../lib/concord-server.mjs';
import { median, ratio } from '../lib/stats.mjs';
import { connectMany, join as joinDocument } from '../lib/socket-load.mjs';
import { runAsScript } from '../lib/run-as-script.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BARE_SERVER = join(here, '../propagation/bare-server.mjs');
const SHARED_DOCUMENTS = 10;

export const METHOD =
  'VmRSS of the server process (/proc) after a pause: at rest (R0); after N sockets connected and joined, spread over ' +
  `${SHARED_DOCUMENTS} documents (R1); after each of those sockets also joined a document of its own, N more open ` +
  'documents (R2). Per idle editor = (R1 − R0) / N; per open document = (R2 − R1) / N. No forced GC (RSS is what the ' +
  'operator pays). Baseline: the bare socket.io re-broadcast server (no auth, no database, no sessions), same clients ' +
  'and joins. A fresh server process per run; medians of 3 runs.';

async function measure(target, sockets, sharedDocuments, ownDocuments, settleMs) {
  await sleep(settleMs);
  const r0 = rssOf(target.pid);
  const clients = await connectMany(sockets, target.url, target.token);
  await inBatches(clients, 50, (socket, index) => joinDocument(socket, sharedDocuments[index % sharedDocuments.length]));
  await sleep(settleMs);
  const r1 = rssOf(target.pid);
  await inBatches(
    clients.map((socket, index) => ({ socket, index })),
    50,
    ({ socket, index }) => joinDocument(socket, ownDocuments[index]),
  );
  await sleep(settleMs);
  const r2 = rssOf(target.pid);
  for (const socket of clients) socket.close();
  return { restMiB: r0 / 2 ** 20, perEditorKiB: (r1 - r0) / sockets / 1024, perDocumentKiB: (r2 - r1) / sockets / 1024, totalMiB: r2 / 2 ** 20 };
}

async function startBare() {
  const port = await freePort();
  const server = spawnNode([BARE_SERVER], { PORT: String(port) });
  await waitFor(() => server.output().includes('listening'), 10_000, 'the bare socket.io server');
  return { url: `http://127.0.0.1:${port}`, pid: server.pid, token: 'none', stop: () => server.stop() };
}

export async function run({ quick = false } = {}) {
  pinLoadGenerator();
  const runs = quick ? 1 : 3;
  const sockets = quick ? 50 : 1000;
  // Lets allocations settle before reading RSS (the smoke run only checks the harness).
  const settleMs = quick ? 300 : 2500;
  const database = await createBenchDatabase('memory');
  try {
    // Documents (and the user) live in the database, so each run's fresh server finds them.
    const setup = await startConcord({ database });
    let token;
    let shared;
    let own;
    try {
      ({ token } = await registerBenchUser(setup.url));
      const ids = await inBatches([...Array(SHARED_DOCUMENTS + sockets).keys()], 25, async (i) => {
        const { body } = await api(setup.url, '/api/documents', { method: 'POST', token, body: { title: `memory ${i}`, content: `# Document ${i}\n\nSome text.\n` } });
        return body.id;
      });
      shared = ids.slice(0, SHARED_DOCUMENTS);
      own = ids.slice(SHARED_DOCUMENTS);
    } finally {
      await setup.stop();
    }
    const concordRuns = [];
    const bareRuns = [];
    for (let i = 0; i < runs; i += 1) {
      const concord = await startConcord({ database, jwtSecret: setup.jwtSecret });
      try {
        concordRuns.push(await measure({ ...concord, token }, sockets, shared, own, settleMs));
      } finally {
        await concord.stop();
      }
      const bare = await startBare();
      try {
        bareRuns.push(await measure(bare, sockets, shared, own, settleMs));
      } finally {
        await bare.stop();
      }
    }
    const pick = (list, field) => median(list.map((r) => r[field]));
    const results = [
      { key: 'editor', scenario: `per idle connected editor (KiB), ${sockets} sockets`, concord: pick(concordRuns, 'perEditorKiB'), baseline: pick(bareRuns, 'perEditorKiB') },
      { key: 'document', scenario: `per open document (KiB), ${sockets} documents`, concord: pick(concordRuns, 'perDocumentKiB'), baseline: pick(bareRuns, 'perDocumentKiB') },
      { key: 'rest', scenario: 'server at rest (MiB)', concord: pick(concordRuns, 'restMiB'), baseline: pick(bareRuns, 'restMiB') },
      { key: 'total', scenario: `server with ${sockets} sockets and ${sockets + SHARED_DOCUMENTS} open documents (MiB)`, concord: pick(concordRuns, 'totalMiB'), baseline: pick(bareRuns, 'totalMiB') },
    ].map((row) => ({ ...row, ratio: ratio(row.concord, row.baseline) }));
    const ok = results.every((r) => Number.isFinite(r.concord) && Number.isFinite(r.baseline));
    return { name: 'memory', quick, ok, method: METHOD, sockets, results };
  } finally {
    await database.drop();
  }
}

runAsScript(import.meta.url, run);
