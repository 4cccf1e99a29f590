import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BootError } from '../config/env';
import { acquireDataDirLock } from './data-dir-lock';

/** PGlite's own folder inside DATA_DIR (the lock and JWT secret files stay beside it, outside PGDATA). */
export const PGDATA_SUBDIR = 'pgdata';

export interface EmbeddedPostgres {
  /** A `postgres://` URL on 127.0.0.1 and a random port, for `pg` (and so TypeORM). */
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * Runs in a worker thread: PGlite (PostgreSQL 18 in WASM) on `dataDir`, served on the wire
 * protocol by pglite-socket. A worker because (1) PGlite's CommonJS build loads Node built-ins
 * with dynamic import(), which Jest's module VM refuses, and (2) long queries then run off the
 * HTTP event loop. Plain JS in a string so the same code runs from ts sources and the build.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const { PGLiteSocketServer } = require(workerData.socketPath);
let db;
let server;
async function start() {
  db = await PGlite.create({ dataDir: workerData.dataDir });
  // The app's pool holds ONE connection; the second slot only lets it reconnect while the socket server
  // is still tearing down the old one (it forgets a closed connection a tick later, and would answer
  // "Too many connections" as raw text). Two connections are never used at once.
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  parentPort.postMessage({ type: 'ready', conn: server.getServerConn() });
}
async function stop() {
  try {
    if (server) await server.stop();
    // close() checkpoints PGlite's files, so the next start does not replay or lose the tail.
    if (db) await db.close();
    parentPort.postMessage({ type: 'stopped' });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) });
  }
}
parentPort.on('message', (message) => { if (message === 'stop') void stop(); });
start().catch((error) => parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }));
`;

type WorkerMessage =
  { type: 'ready'; conn: string } | { type: 'stopped' } | { type: 'error'; message: string };

function nextMessage<K extends 'ready' | 'stopped'>(
  worker: Worker,
  expected: K,
): Promise<Extract<WorkerMessage, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      cleanup();
      if (message.type === expected) resolve(message as Extract<WorkerMessage, { type: K }>);
      else
        reject(
          new Error(
            message.type === 'error'
              ? `embedded PostgreSQL: ${message.message}`
              : `unexpected ${message.type}`,
          ),
        );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`the embedded PostgreSQL worker exited (${code}) before it was ${expected}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * PGlite in `dataDir`, locked against a second process. pglite-socket interleaves messages of
 * concurrent connections when one spans several TCP reads (electric-sql/pglite#1046) and all
 * connections share one session, so TypeORM's pool is max 1 (database.module.ts).
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const lock = acquireDataDirLock(dataDir);
  // PostgreSQL's own folder below DATA_DIR, so our lock and secret files stay out of PGDATA.
  const pgdata = join(dataDir, PGDATA_SUBDIR);
  let worker: Worker | undefined;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        dataDir: pgdata,
        pglitePath: require.resolve('@electric-sql/pglite'),
        socketPath: require.resolve('@electric-sql/pglite-socket'),
      },
    });
    const ready = await nextMessage(worker, 'ready').catch((error: unknown) => {
      // PGlite says only "failed to initialize properly", with a stack of WASM frames: name the folder and the way out.
      const reason = String(error instanceof Error ? error.message : error).split('\n')[0];
      throw new BootError(
        `the embedded PostgreSQL in ${pgdata} did not start (${reason}). The folder may be damaged or from ` +
          'another PostgreSQL version: restore it from a backup, or move it away to start with an empty database.',
      );
    });
    const running = worker;
    const [host, port] = ready.conn.split(':');
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@${host}:${port}/postgres`,
      dataDir,
      stop() {
        stopping ??= (async () => {
          try {
            const stopped = nextMessage(running, 'stopped');
            running.postMessage('stop');
            await stopped;
          } finally {
            await running.terminate();
            lock.release();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await worker?.terminate();
    lock.release();
    throw error;
  }
}
