import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_DEFAULT_ENV } from './test-server';

/** The built server (`npm run build` / `nx run server:build`). */
export const BUILT_SERVER = join(__dirname, '..', '..', 'server', 'dist', 'server', 'src', 'main.js');

export interface SpawnedServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnServerOptions {
  /** DATABASE_URL or DATA_DIR (from createTestDatabase().env), plus anything else. */
  env?: Record<string, string>;
  /** How long to wait for /api/health to answer 200. */
  readyTimeoutMs?: number;
  /** Don't wait for health (for processes expected to fail at boot). */
  waitForReady?: boolean;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the BUILT server as a child process on a free port, for fault tests (SIGKILL, SIGTERM). */
export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  if (!existsSync(BUILT_SERVER)) {
    throw new Error(`${BUILT_SERVER} is missing: build the server first (npx nx run server:build)`);
  }
  const port = await freePort();
  const child = spawn(process.execPath, [BUILT_SERVER], {
    env: { ...process.env, ...TEST_DEFAULT_ENV, HOST: '127.0.0.1', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${port}`;
  const server: SpawnedServer = {
    url,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (!hasExited) child.kill(signal);
    },
    stop: async () => {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
  };
  if (options.waitForReady === false) return server;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`the server exited during start:\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.kill('SIGKILL');
  throw new Error(`the server did not become healthy in time:\n${output}`);
}
