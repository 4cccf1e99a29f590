// Shared machinery of the fault suites: private PostgreSQL and Redis servers on free ports,
// loud skips when a binary is missing (failures under CI=true), and small HTTP helpers.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { freePort, http, isPostgresReachable, registerUser } from '../support';

/** Which binary or service a suite needs, and how to tell whether it is there. */
export interface Requirement {
  what: string;
  available: () => boolean;
}

export const PG_BIN = process.env.CONCORD_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export const requirements = {
  postgres: { what: 'PostgreSQL at 127.0.0.1:5432', available: () => isPostgresReachable() },
  pgBinaries: {
    what: `PostgreSQL 15 binaries in ${PG_BIN} and the runuser command`,
    available: () =>
      existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl')) && commandExists('runuser'),
  },
  redisServer: { what: 'redis-server on PATH', available: () => commandExists('redis-server') },
} satisfies Record<string, Requirement>;

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * `describe` when every requirement is met. Otherwise: under CI=true one failing test that names
 * what is missing; outside CI a loud warning and a skipped suite.
 */
export function describeFault(name: string, needs: Requirement[], body: () => void): void {
  const missing = needs.filter((need) => !need.available()).map((need) => need.what);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `missing: ${missing.join(', ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has what it needs', () => {
        throw new Error(`${reason} (CI=true: a missing service fails the run)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING fault suite "${name}": ${reason}. Run with CI=true to fail instead. !!!\n`);
  describe.skip(name, body);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A private PostgreSQL 15 cluster (temp dir, free port, trust auth) that a test may restart at will. */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  restart(): void;
  stop(): void;
  start(): void;
  destroy(): void;
}

function runAsPostgres(args: string[]): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0)
    throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), 'concord-pg-'));
  chownSync(root, uidOf('postgres'), gidOf('postgres'));
  const dataDir = join(root, 'data');
  const port = await freePort();
  runAsPostgres([
    join(PG_BIN, 'initdb'),
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  // Sockets in the temp dir, TCP only on 127.0.0.1, fsync off: this cluster lives for one test.
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const pgCtl = (...args: string[]): void =>
    runAsPostgres([join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-w', '-t', '30', ...args]);
  const start = (): void => pgCtl('-o', options, '-l', join(root, 'log'), 'start');
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => pgCtl('-m', 'fast', '-o', options, '-l', join(root, 'log'), 'restart'),
    stop: () => {
      pgCtl('-m', 'fast', 'stop');
      running = false;
    },
    start: () => {
      start();
      running = true;
    },
    destroy: () => {
      if (running) {
        try {
          pgCtl('-m', 'immediate', 'stop');
        } catch {
          // already gone; the folder goes anyway
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** A private, non-persistent redis-server on a free port that a test may stop and start again. */
export interface PrivateRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    child = started;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
      if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG')
        return;
      await sleep(50);
    }
    throw new Error('redis-server did not answer PING in time');
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

/** The owner and `writers - 1` editors of one new document. */
export async function documentWithEditors(
  url: string,
  writers: number,
  content = 'start\n',
): Promise<{ document: ConcordDocument; users: AuthResponse[] }> {
  const api = http(url);
  const users = await Promise.all(Array.from({ length: writers }, () => registerUser(url)));
  const [owner] = users;
  const created = await api<ConcordDocument>('/api/documents', {
    method: 'POST',
    token: owner.token,
    body: { title: 'Fault target', content },
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.text}`);
  for (const user of users.slice(1)) {
    const added = await api(`/api/documents/${created.body.id}/members`, {
      method: 'POST',
      token: owner.token,
      body: { username: user.user.username, role: 'editor' },
    });
    if (added.status !== 201) throw new Error(`add member failed: ${added.status} ${added.text}`);
  }
  return { document: created.body, users };
}

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count += 1;
  return count;
}
