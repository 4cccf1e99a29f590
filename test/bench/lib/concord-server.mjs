// Spawning the BUILT Concord server (the production artefact) for benchmarks: a fresh
// PostgreSQL database per run on 127.0.0.1:5432, a throwaway DATA_DIR, an ephemeral port, and
// optional CPU pinning with taskset so the server and the load generator do not share a core.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const SERVER_MAIN = join(ROOT, 'server/dist/server/src/main.js');
export const ADMIN_DATABASE_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** taskset is used only when present and the machine has more than one core. */
export const CAN_PIN = cpus().length > 1 && spawnSync('taskset', ['-V']).status === 0;
/** The server gets the last core, the load generator (this process) the others. */
export const SERVER_CPU = String(cpus().length - 1);
export const LOAD_CPUS = cpus().length > 1 ? `0-${cpus().length - 2}` : '0';

/** Pins this process (the load generator) away from the server's core. */
export function pinLoadGenerator() {
  if (CAN_PIN) spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

export async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs `fn(client)` on a fresh connection to `connectionString`, closing it whatever happens. */
export async function withPgClient(connectionString, fn) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the local PostgreSQL; `drop()` removes it (FORCE: the server may still hold connections). */
export async function createBenchDatabase(label = 'bench') {
  const name = `concord_${label}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await withPgClient(ADMIN_DATABASE_URL, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => withPgClient(ADMIN_DATABASE_URL, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** Whether PostgreSQL answers at ADMIN_DATABASE_URL. */
export async function postgresAvailable() {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => undefined);
    return false;
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** User+system CPU seconds a process has used so far (Linux /proc, clock ticks of 100 Hz). */
export function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Spawns `node args…` (pinned to the server core when possible), keeping the last output for errors. */
export function spawnNode(args, env, { pin = true } = {}) {
  const command = pin && CAN_PIN ? 'taskset' : process.execPath;
  const argv = pin && CAN_PIN ? ['-c', SERVER_CPU, process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The built server on a fresh port. `database` is a createBenchDatabase() result (shared by
 * several instances in the two-instance benchmark); `env` adds settings (REDIS_URL, …).
 */
export async function startConcord({ database, env = {}, jwtSecret = `${randomUUID()}${randomUUID()}`, pin = true } = {}) {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npx nx run-many -t build\` first`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-bench-data-'));
  const server = spawnNode([SERVER_MAIN], {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    JWT_SECRET: jwtSecret,
    REDIS_URL: '',
    AUTH_RATE_LIMIT: '1000000',
    AUTH_ACCOUNT_RATE_LIMIT: '1000000',
    WRITE_RATE_LIMIT: '100000000',
    WRITE_RATE_LIMIT_PER_IP: '100000000',
    // The benchmark's clients are the load; per-socket edit limits are tested elsewhere.
    REALTIME_EDIT_RATE: '10000',
    REALTIME_EDIT_BURST: '10000',
    CONCORD_BENCH_ROUTES: '1',
    ...env,
  }, { pin });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/api/health`)).ok, 90_000, `Concord at ${url}`);
  } catch (error) {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${error.message}\n${server.output()}`);
  }
  return {
    url,
    pid: server.pid,
    jwtSecret,
    output: server.output,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch + JSON, throwing on a non-2xx answer. */
export async function api(url, path, { method = 'GET', body, token, headers = {} } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, headers: response.headers, body: text.length > 0 ? JSON.parse(text) : undefined };
}

export async function registerBenchUser(url, prefix = 'bench') {
  const username = `${prefix}${Math.floor(Math.random() * 1e9)}`;
  const { body } = await api(url, '/api/auth/register', { method: 'POST', body: { username, password: 'bench-password-1' } });
  return body;
}

/** Runs `fn` over items with at most `size` in flight. */
export async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
