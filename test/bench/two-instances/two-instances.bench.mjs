#!/usr/bin/env node
// Two instances over Redis (issue 6, benchmark 5): two built servers on one PostgreSQL and one
// Redis (the socket.io Redis adapter). Each document has one typist on instance A and
// receivers; in the "single" phase every receiver is on A, in the "split" phase half are on B.
// Reported: p50/p99 from the typist's emit to each receiver, same-instance vs cross-instance,
// with the single-instance phase as the baseline, all in the same run; zero lost/reordered edits.
//
//   node test/bench/two-instances/two-instances.bench.mjs [--quick]   (exported: run({ quick }))
import { randomUUID } from 'node:crypto';
import { api, createBenchDatabase, inBatches, pinLoadGenerator, registerBenchUser, startConcord } from '../lib/concord-server.mjs';
import { median, ratio, summarize } from '../lib/stats.mjs';
import { checkDelivery, connect, join, Receiver, settle, Typist } from '../lib/socket-load.mjs';
import { runAsScript } from '../lib/run-as-script.mjs';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const METHOD =
  'Two built servers (same JWT secret, REDIS_URL set, one PostgreSQL database), unpinned: on a 2-core machine they ' +
  'share the cores with PostgreSQL, Redis and the load generator, so this is a diagnostic, not a capacity figure. ' +
  'Per document one typist on instance A sends sequential edits (5/s, each against its last acked version, no merge); ' +
  'receivers record emit→receipt latency on one clock. Phase "single": all receivers on A (the baseline: the same ' +
  'Redis-enabled servers, no cross-instance hop). Phase "split": receivers alternate A/B. Medians of 3 runs of each phase.';

async function phase({ a, b, token, documents, receiversPerDocument, split, seconds, rate }) {
  const sentAt = new Map();
  const pairs = [];
  const typists = [];
  await inBatches(documents, 10, async (documentId) => {
    const typistSocket = await connect(a.url, token);
    const ack = await join(typistSocket, documentId);
    const typist = new Typist(typistSocket, documentId, ack.document.version, ack.document.content, sentAt, randomUUID().slice(0, 8));
    typists.push(typist);
    for (let i = 0; i < receiversPerDocument; i += 1) {
      const onB = split && i % 2 === 1;
      const socket = await connect(onB ? b.url : a.url, token);
      await join(socket, documentId);
      pairs.push({ receiver: new Receiver(socket, documentId, sentAt, onB ? 'cross' : 'same'), typist });
    }
  });
  await Promise.all(typists.map((typist) => typist.typeFor(seconds, rate)));
  await settle(pairs);
  const latencies = { same: [], cross: [] };
  const problems = { lost: 0, reordered: 0, duplicated: 0, errors: typists.reduce((n, t) => n + t.errors.length, 0) };
  for (const pair of pairs) {
    latencies[pair.receiver.label].push(...pair.receiver.latencies);
    const check = checkDelivery(pair.receiver, pair.typist);
    problems.lost += check.lost;
    problems.reordered += check.reordered;
    problems.duplicated += check.duplicated;
  }
  for (const { receiver } of pairs) receiver.socket.close();
  for (const typist of typists) typist.socket.close();
  return { same: summarize(latencies.same), cross: summarize(latencies.cross), problems, edits: typists.reduce((n, t) => n + t.acked.length, 0) };
}

export async function run({ quick = false } = {}) {
  pinLoadGenerator();
  const runs = quick ? 1 : 3;
  const documentCount = quick ? 3 : 10;
  const receiversPerDocument = quick ? 4 : 10;
  const seconds = quick ? 2 : 8;
  const rate = 5;
  const database = await createBenchDatabase('twoinst');
  const jwtSecret = `${randomUUID()}${randomUUID()}`;
  let a;
  let b;
  try {
    a = await startConcord({ database, jwtSecret, pin: false, env: { REDIS_URL } });
    b = await startConcord({ database, jwtSecret, pin: false, env: { REDIS_URL } });
    const { token } = await registerBenchUser(a.url);
    const documents = await inBatches([...Array(documentCount).keys()], 10, async (i) => {
      const { body } = await api(a.url, '/api/documents', { method: 'POST', token, body: { title: `two-instances ${i}`, content: '' } });
      return body.id;
    });
    const single = [];
    const split = [];
    for (let i = 0; i < runs; i += 1) {
      single.push(await phase({ a, b, token, documents, receiversPerDocument, split: false, seconds, rate }));
      split.push(await phase({ a, b, token, documents, receiversPerDocument, split: true, seconds, rate }));
    }
    const problems = [...single, ...split].reduce(
      (total, r) => ({
        lost: total.lost + r.problems.lost,
        reordered: total.reordered + r.problems.reordered,
        duplicated: total.duplicated + r.problems.duplicated,
        errors: total.errors + r.problems.errors,
      }),
      { lost: 0, reordered: 0, duplicated: 0, errors: 0 },
    );
    const baseline = { p50Ms: median(single.map((r) => r.same.p50)), p99Ms: median(single.map((r) => r.same.p99)) };
    const row = (key, name, list) => {
      const p50Ms = median(list.map((r) => r.p50));
      const p99Ms = median(list.map((r) => r.p99));
      return { key, scenario: name, p50Ms, p99Ms, deliveries: median(list.map((r) => r.count)), baseline, ratioP99: ratio(p99Ms, baseline.p99Ms) };
    };
    const results = [
      row('single', 'single instance: all receivers on A (baseline)', single.map((r) => r.same)),
      row('split-same', 'split: receivers on A (same instance as the typist)', split.map((r) => r.same)),
      row('split-cross', 'split: receivers on B (via Redis)', split.map((r) => r.cross)),
    ];
    const ok = problems.lost === 0 && problems.reordered === 0 && problems.duplicated === 0 && problems.errors === 0 && results.every((r) => r.deliveries > 0);
    return {
      name: 'two-instances',
      quick,
      ok,
      method: METHOD,
      setup: { documents: documentCount, receiversPerDocument, editsPerSecondPerTypist: rate, seconds },
      results,
      check: problems,
    };
  } finally {
    await a?.stop();
    await b?.stop();
    await database.drop();
  }
}

runAsScript(import.meta.url, run);
