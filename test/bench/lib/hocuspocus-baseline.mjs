// Hocuspocus beside Concord in the edit-propagation benchmark: the same scenarios (imported
// from test/bench/propagation), the same rate and client counts, Yjs clients through
// @hocuspocus/provider (one websocket each). A typist inserts a unique line `[id:seq]` at a
// random line boundary; every other client of the document records when each line first
// appears in its Y.Text (latency on one clock), and at the end checks it saw every line of
// every other typist exactly once and each typist's lines in their sending order.
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HocuspocusProvider } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { cpuSecondsOf, freePort, inBatches, sleep, spawnNode, waitFor } from './concord-server.mjs';
import { summarize } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const HOCUSPOCUS_LABEL = 'Hocuspocus 3.4.4 (Yjs, in memory)';
const TOKEN = /\[([^\]\s]+):(\d+)\]/g;

function connect(url, name) {
  const document = new Y.Doc();
  const provider = new HocuspocusProvider({ url, name, document, WebSocketPolyfill: WebSocket });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Hocuspocus sync timed out')), 30_000);
    provider.on('synced', () => {
      clearTimeout(timer);
      resolve({ provider, document, text: document.getText('content') });
    });
  });
}

class Client {
  constructor(connection, typistId, sentAt, latencies) {
    Object.assign(this, connection, { typistId, sentAt, latencies });
    this.seen = new Map(); // typist → sequence numbers in order of arrival
    this.duplicates = 0;
    this.text.observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const change of event.changes.delta) {
        if (typeof change.insert !== 'string') continue;
        for (const [, typist, seq] of change.insert.matchAll(TOKEN)) {
          const list = this.seen.get(typist) ?? [];
          if (list.includes(Number(seq))) this.duplicates += 1;
          list.push(Number(seq));
          this.seen.set(typist, list);
          const sent = this.sentAt.get(`${typist}:${seq}`);
          if (sent !== undefined) this.latencies.push(now - sent);
        }
      }
    });
    this.sequence = 0;
  }

  type() {
    this.sequence += 1;
    const id = `${this.typistId}:${this.sequence}`;
    const value = this.text.toString();
    const boundaries = [0];
    for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) boundaries.push(i + 1);
    const at = boundaries[Math.floor(Math.random() * boundaries.length)];
    this.sentAt.set(id, performance.now());
    this.text.insert(at, `[${id}]\n`);
  }
}

async function runScenario(url, scenario) {
  const sentAt = new Map();
  const latencies = [];
  const documents = [...Array(scenario.docs).keys()].map((i) => `bench-${scenario.key}-${Date.now()}-${i}`);
  const slots = documents.flatMap((name, d) => [...Array(scenario.clientsPerDoc).keys()].map((i) => ({ name, d, i })));
  const clients = await inBatches(slots, 50, async ({ name, d, i }) => {
    const client = new Client(await connect(url, name), i < scenario.typistsPerDoc ? `t${d}x${i}` : undefined, sentAt, latencies);
    return { client, name };
  });
  const typists = clients.filter(({ client }) => client.typistId !== undefined);
  const interval = 1000 / scenario.editsPerSecond;
  const timers = [];
  const started = performance.now();
  for (const { client } of typists) {
    timers.push(
      setTimeout(() => {
        client.type();
        timers.push(setInterval(() => client.type(), interval));
      }, Math.random() * interval),
    );
  }
  await sleep(scenario.seconds * 1000);
  for (const timer of timers) clearInterval(timer);
  const elapsed = (performance.now() - started) / 1000;
  // Expected at each client: every line of every other typist of its document.
  const expectedAt = ({ client, name }) =>
    typists.filter((t) => t.name === name && t.client !== client).reduce((n, t) => n + t.client.sequence, 0);
  const received = ({ client }) => [...client.seen.values()].reduce((n, list) => n + list.length, 0);
  await waitFor(() => clients.every((c) => received(c) >= expectedAt(c)), 15_000, 'the last Hocuspocus updates').catch(() => undefined);
  let lost = 0;
  let reordered = 0;
  let duplicated = 0;
  for (const entry of clients) {
    lost += Math.max(0, expectedAt(entry) - received(entry) + entry.client.duplicates);
    duplicated += entry.client.duplicates;
    for (const list of entry.client.seen.values()) for (let i = 1; i < list.length; i += 1) if (list[i] <= list[i - 1]) reordered += 1;
  }
  for (const { client } of clients) client.provider.destroy();
  const sent = typists.reduce((n, t) => n + t.client.sequence, 0);
  const stats = summarize(latencies);
  const round = (ms) => Math.round(ms * 100) / 100;
  return {
    target: HOCUSPOCUS_LABEL,
    scenario: scenario.name,
    key: scenario.key,
    clients: clients.length,
    typists: typists.length,
    editsSent: sent,
    editsAcked: sent,
    editsPerSecond: Math.round(sent / elapsed),
    merged: 0,
    conflicts: 0,
    errors: 0,
    deliveries: latencies.length,
    p50Ms: round(stats.p50),
    p99Ms: round(stats.p99),
    maxMs: round(stats.max),
    lost,
    reordered,
    duplicated,
  };
}

/** Runs every scenario against a fresh Hocuspocus server process (pinned like Concord's). */
export async function runHocuspocus(scenarios) {
  const port = await freePort();
  const server = spawnNode([join(here, 'hocuspocus-server.mjs')], { PORT: String(port), NODE_ENV: 'production' });
  try {
    await waitFor(() => server.output().includes('listening'), 15_000, 'the Hocuspocus server');
    const results = [];
    for (const scenario of scenarios) {
      const cpuBefore = cpuSecondsOf(server.pid);
      const started = performance.now();
      const result = await runScenario(`ws://127.0.0.1:${port}`, scenario);
      result.serverCpuPercent = Math.round(((cpuSecondsOf(server.pid) - cpuBefore) / ((performance.now() - started) / 1000)) * 100);
      results.push(result);
    }
    return results;
  } finally {
    await server.stop();
  }
}
