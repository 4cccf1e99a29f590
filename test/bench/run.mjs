#!/usr/bin/env node
// `npm run bench`: every Concord benchmark beside its baseline, in one run, on the built server.
//
//   node test/bench/run.mjs            full run (≈ 20 min on 2 cores): medians of 3, writes
//                                      docs/bench/results.json, docs/bench/*.svg and the generated
//                                      blocks of docs/benchmarks.md
//   node test/bench/run.mjs --quick    smoke test (< 2 min): small loads, one run each; checks the
//                                      harness works and nothing is lost; asserts no timing;
//                                      writes nothing; exits 1 on any loss or error
//   --only=save,read,propagation,merge,two-instances,memory    a subset
//   --no-build                         don't run the (cached) Nx build first
//   --json=FILE                        also write the raw results there (any mode)
//
// Needs PostgreSQL on 127.0.0.1:5432 (BENCH_ADMIN_DATABASE_URL) and, for two-instances, Redis
// (BENCH_REDIS_URL). A missing service skips that benchmark, and a missing baseline tool
// (pgbench) that baseline, with a loud warning, except under CI=true, where it fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CAN_PIN, LOAD_CPUS, postgresAvailable, ROOT, SERVER_CPU, SERVER_MAIN } from './lib/concord-server.mjs';
import { renderDocs } from './lib/report.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const CI = process.env.CI === 'true';
const ALL = ['save', 'read', 'propagation', 'merge', 'two-instances', 'memory'];
const selected = ALL.filter((name) => only === undefined || only.includes(name));

function log(message) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function build() {
  if (argv.includes('--no-build')) {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing and --no-build was given`);
    return;
  }
  log('building shared and server (Nx, cached)');
  const result = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'shared', 'server', '--outputStyle=static'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

async function redisAvailable() {
  const { default: Redis } = await import('ioredis');
  const { REDIS_URL } = await import('./two-instances/two-instances.bench.mjs');
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The merge engineer's benchmark is a script with its own table and checks: run it as a process. */
function runMerge() {
  const args = [join(ROOT, 'test/bench/merge/merge-bench.mjs'), ...(quick ? ['--quick'] : [])];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  // Its full run also exits 1 when a ratio target is missed; that is a result to report, not a
  // broken harness. Only correctness failures (wrong merge, blocked loop, crash) fail the run.
  const failed = output.split('\n').filter((line) => line.startsWith('- '));
  const targetsOnly = result.status !== 0 && failed.length > 0 && failed.every((line) => /x git merge-file \(target/.test(line));
  return { name: 'merge', quick, ok: result.status === 0 || targetsOnly, targetsMet: result.status === 0, missed: targetsOnly ? failed : [], output };
}

/** The realtime engineer's propagation benchmark: run({quick}) once per run, medians per (target, scenario). */
async function runPropagation(runs) {
  const { run, METHOD, SCENARIOS } = await import('./propagation/propagation.bench.mjs');
  const { runHocuspocus } = await import('./lib/hocuspocus-baseline.mjs');
  const all = [];
  for (let i = 0; i < runs; i += 1) {
    const summary = await run({ quick });
    // The Hocuspocus baseline: same scenarios, same client count and rate, in the same run.
    const hocuspocus = await runHocuspocus(quick ? SCENARIOS.quick : SCENARIOS.full);
    all.push({ ...summary, ok: summary.ok && hocuspocus.every((r) => r.lost === 0 && r.reordered === 0 && r.duplicated === 0), results: [...summary.results, ...hocuspocus] });
  }
  const { median } = await import('./lib/stats.mjs');
  const keyOf = (r) => `${r.target}|${r.key}`;
  const groups = new Map();
  for (const summary of all) for (const r of summary.results) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  const results = [...groups.values()].map((list) => {
    const numeric = ['editsPerSecond', 'deliveries', 'p50Ms', 'p99Ms', 'maxMs', 'conflicts', 'merged', 'serverCpuPercent'];
    const medians = Object.fromEntries(numeric.map((field) => [field, median(list.map((r) => r[field]))]));
    const totals = Object.fromEntries(['lost', 'reordered', 'duplicated', 'errors'].map((field) => [field, list.reduce((n, r) => n + r[field], 0)]));
    return { ...list[0], ...medians, ...totals, runs: list.length };
  });
  const method = `${METHOD} Hocuspocus baseline (test/bench/lib/hocuspocus-baseline.mjs): @hocuspocus/server 3.4.4 without extensions (in-memory Yjs, no auth, no persistence) in its own pinned process; the same scenarios with Yjs clients (@hocuspocus/provider, one websocket each) inserting a unique line at a random line boundary at the same rate; latency = first appearance of the line in each receiver's Y.Text; every receiver checks it saw each other typist's lines exactly once and in order. Medians of ${runs} run(s).`;
  return { name: 'propagation', quick, ok: all.every((s) => s.ok), method, results };
}

async function main() {
  const started = performance.now();
  log(`${quick ? 'QUICK smoke run' : 'full run'}: ${selected.join(', ')}; ${cpus().length} cores; ${CAN_PIN ? `server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPUS}` : 'no CPU pinning'}`);
  build();
  const failures = [];
  const skipped = [];
  const missing = (what, reason) => {
    const message = `${what}: SKIPPED — ${reason}`;
    if (CI) failures.push(`${what}: ${reason} (CI=true: a missing service fails the run)`);
    else {
      console.warn(`\n*** WARNING: ${message} ***\n`);
      skipped.push(message);
    }
  };
  const hasPostgres = await postgresAvailable();
  const hasRedis = selected.includes('two-instances') ? await redisAvailable() : true;
  const results = {};
  const runs = quick ? 1 : 3;
  const benches = {
    save: async () => (await import('./save/save.bench.mjs')).run({ quick }),
    read: async () => (await import('./read/read.bench.mjs')).run({ quick }),
    propagation: () => runPropagation(runs),
    merge: async () => runMerge(),
    'two-instances': async () => (await import('./two-instances/two-instances.bench.mjs')).run({ quick }),
    memory: async () => (await import('./memory/memory.bench.mjs')).run({ quick }),
  };
  for (const name of selected) {
    if (name !== 'merge' && !hasPostgres) {
      missing(name, 'PostgreSQL is not reachable on 127.0.0.1:5432');
      continue;
    }
    if (name === 'two-instances' && !hasRedis) {
      missing(name, 'Redis is not reachable on 127.0.0.1:6379');
      continue;
    }
    log(`${name}: running`);
    const benchStarted = performance.now();
    try {
      const summary = await benches[name]();
      summary.seconds = Math.round((performance.now() - benchStarted) / 1000);
      results[name] = summary;
      // A baseline whose tool is missing (pgbench) is a skip like a missing service: loud, and fatal under CI.
      if (summary.baselineMissing) missing(`${name} baseline`, summary.baselineMissing);
      log(`${name}: ${summary.ok ? 'ok' : 'FAILED'} (${summary.seconds} s)${summary.check ? ` ${JSON.stringify(summary.check)}` : ''}`);
      if (!summary.ok) failures.push(`${name}: ${JSON.stringify(summary.check ?? summary.results?.filter((r) => r.lost || r.errors || r.unexpected) ?? {})}`);
    } catch (error) {
      failures.push(`${name}: ${error.stack ?? error}`);
      log(`${name}: ERROR ${error.message}`);
    }
  }

  const seconds = Math.round((performance.now() - started) / 1000);
  const jsonOut = argv.find((arg) => arg.startsWith('--json='))?.slice('--json='.length);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ meta: { date: new Date().toISOString(), node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, pinned: CAN_PIN, seconds, failures, skipped }, results }, null, 2)}\n`);
  // A full run rewrites the docs even when something failed: the failures are part of the result.
  if (!quick && only === undefined) {
    const outDir = join(ROOT, 'docs/bench');
    mkdirSync(outDir, { recursive: true });
    const meta = { date: new Date().toISOString(), node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, pinned: CAN_PIN, seconds, failures, skipped };
    writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
    const docsPath = join(ROOT, 'docs/benchmarks.md');
    const existing = existsSync(docsPath) ? readFileSync(docsPath, 'utf8') : '';
    const { markdown, charts } = renderDocs(existing, { meta, results });
    for (const [file, svg] of Object.entries(charts)) writeFileSync(join(outDir, file), svg);
    writeFileSync(docsPath, markdown);
    log(`wrote docs/benchmarks.md, docs/bench/results.json and ${Object.keys(charts).length} charts`);
  } else if (!quick && only !== undefined) {
    log('--only: results printed, docs not rewritten (they need every benchmark of one run)');
    console.log(JSON.stringify(results, null, 2));
  }

  console.log(`\n=== bench ${quick ? '--quick ' : ''}summary (${seconds} s)`);
  for (const name of selected) console.log(`${results[name]?.ok ? 'ok  ' : results[name] ? 'FAIL' : 'SKIP'} ${name}`);
  for (const message of skipped) console.log(`WARNING ${message}`);
  if (failures.length > 0) {
    console.error(`\nFAILED:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
