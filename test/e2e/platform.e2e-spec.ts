import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Problem } from '@concord/shared';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the boot tests reach a DATA_DIR's database while no server holds it
import { startEmbeddedPostgres } from '../../server/src/database/embedded-postgres';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { LOCK_FILE } from '../../server/src/database/data-dir-lock';
import {
  BUILT_SERVER,
  createTestDatabase,
  freePort,
  describeE2E,
  http,
  type HttpClient,
  POSTGRES_ADMIN_URL,
  registerUser,
  spawnServer,
  startTcpProxy,
  startTestServer,
  TEST_DEFAULT_ENV,
  testDatabaseKind,
  type TestDatabase,
  type TestServer,
  uniqueUsername,
} from '../support';

type Response = Awaited<ReturnType<HttpClient>>;

function expectProblem(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: expect.stringMatching(/^urn:concord:problem:/) });
}

describeE2E('platform: health, problem+json, request ids, limits, web client', () => {
  let server: TestServer;
  let api: HttpClient;
  let webDist: string;

  beforeAll(async () => {
    // A stand-in web build, so the SPA fallback is tested whether or not web/dist was built.
    webDist = mkdtempSync(join(tmpdir(), 'concord-web-'));
    mkdirSync(join(webDist, 'assets'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>Concord</title><div id="root"></div>');
    writeFileSync(join(webDist, 'assets', 'app-1234.js'), 'console.log("concord")');
    server = await startTestServer({ env: { WEB_DIST: webDist, MAX_DOCUMENT_BYTES: '2000' } });
    api = http(server.url);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(webDist, { recursive: true, force: true });
  });

  it('GET /api/health answers 200 once the database answers', async () => {
    const response = await api('/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('gives every response an X-Request-Id, echoing a sane client one and replacing an unsafe one', async () => {
    const generated = await api('/api/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await api('/api/health', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123');
    const unsafe = await api('/api/health', { headers: { 'x-request-id': 'a b\tc<script>' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('renders errors as RFC 9457 problem+json: type, title, status, detail, instance, code, requestId', async () => {
    const response = await api<Problem>('/api/auth/me', { headers: { 'x-request-id': 'problem-shape-1' } });
    expectProblem(response, 401, 'unauthorized');
    expect(response.body).toEqual({
      type: 'urn:concord:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: expect.any(String),
      instance: '/api/auth/me',
      code: 'unauthorized',
      requestId: 'problem-shape-1',
    });
    expect(response.headers.get('x-request-id')).toBe('problem-shape-1');
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await api('/api/auth/register', {
      method: 'POST',
      body: '{"username": "x", ',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(response, 400, 'malformed_json');
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
    expect(response.body.instance).toBe('/api/auth/register');
  });

  it('answers a body that is not UTF-8 with 400, instead of storing U+FFFD', async () => {
    const invalid = Buffer.concat([Buffer.from('{"username":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('","password":"12345678"}')]);
    const response = await api('/api/auth/register', { method: 'POST', body: invalid, headers: { 'content-type': 'application/json' } });
    expectProblem(response, 400, 'bad_request');
  });

  it('answers unknown fields and wrong types with 422 validation_failed listing each field', async () => {
    const response = await api<Problem>('/api/auth/register', {
      method: 'POST',
      body: { username: 'platform-user', password: 'long enough pw', isAdmin: true },
    });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors).toEqual([{ path: '', message: 'unknown field(s): isAdmin' }]);
    const wrongType = await api('/api/auth/register', { method: 'POST', body: ['an', 'array'] });
    expectProblem(wrongType, 422, 'validation_failed');
    const noBody = await api('/api/auth/register', { method: 'POST' });
    expectProblem(noBody, 422, 'validation_failed');
  });

  it('answers a body over the limit (MAX_DOCUMENT_BYTES plus JSON overhead) with 413 payload_too_large', async () => {
    // MAX_DOCUMENT_BYTES=2000 here → body limit 6 × 2000 + 64 KiB.
    const response = await api('/api/auth/register', {
      method: 'POST',
      body: { username: 'big-body', password: 'x'.repeat(100_000) },
    });
    expectProblem(response, 413, 'payload_too_large');
    // The server stays healthy afterwards.
    expect((await api('/api/health')).status).toBe(200);
  });

  it.each([
    ['GET', '/api/nope'],
    ['GET', '/api'],
    ['POST', '/api/health'],
    ['PUT', '/api/auth/login'],
    ['GET', '/api/..%2f..%2fetc%2fpasswd'],
    ['GET', '/assets/missing-file.js'],
    ['GET', '/api/documents/%E0%A4%A'],
  ])('answers unknown route %s %s with 404 not_found problem', async (method, path) => {
    expectProblem(await api(path, { method }), 404, 'not_found');
  });

  it('serves the web client: index.html at / and for client routes (/login, /d/:id), assets as files', async () => {
    for (const path of ['/', '/login', '/d/3f1c1f0e-1111-4a4a-9999-000000000000']) {
      const response = await api(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.text).toContain('<div id="root">');
    }
    const asset = await api('/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toContain('concord');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Never for the API or the socket path.
    expectProblem(await api('/api/d/1'), 404, 'not_found');
    expect((await api('/socket.io/nope.html')).text).not.toContain('<div id="root">');
  });

  it('sends security headers (helmet) and no X-Powered-By', async () => {
    const response = await api('/api/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Served over plain HTTP: upgrading the client's own requests to https would break it.
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('does not answer cross-origin requests unless CORS_ORIGINS allows the origin', async () => {
    const preflight = await api('/api/auth/me', {
      method: 'OPTIONS',
      headers: { origin: 'http://elsewhere.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describeE2E('platform: configured CORS', () => {
  it('allows exactly the CORS_ORIGINS and exposes ETag and X-Request-Id', async () => {
    const server = await startTestServer({ env: { CORS_ORIGINS: 'http://app.test' } });
    try {
      const api = http(server.url);
      const allowed = await api('/api/health', { headers: { origin: 'http://app.test' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
      expect(allowed.headers.get('access-control-expose-headers')).toMatch(/ETag.*X-Request-Id/);
      const refused = await api('/api/health', { headers: { origin: 'http://evil.test' } });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await server.close();
    }
  });
});

describeE2E('platform: boot', () => {
  it('fails at boot with a clear message on a bad setting', async () => {
    await expect(startTestServer({ env: { PORT: '0', MAX_DOCUMENT_BYTES: 'lots' } })).rejects.toThrow(
      /Invalid app configuration: MAX_DOCUMENT_BYTES/,
    );
  });
});

if (testDatabaseKind() === 'postgres') {
  describeE2E('platform: database outage (PostgreSQL behind a cuttable proxy)', () => {
    it('answers 503 service_unavailable with Retry-After while the database is gone, and recovers by itself', async () => {
      const database = await createTestDatabase('postgres');
      const admin = new URL(POSTGRES_ADMIN_URL);
      const proxy = await startTcpProxy(admin.hostname, Number(admin.port || 5432));
      const url = new URL(database.databaseUrl!);
      url.host = `127.0.0.1:${proxy.port}`;
      const server = await startTestServer({
        database,
        env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_TIMEOUT_MS: '1000' },
      });
      try {
        const api = http(server.url);
        const { token } = await registerUser(server.url);
        await proxy.down();
        const during = await Promise.all([
          api('/api/health'),
          api('/api/auth/me', { token }),
          api('/api/auth/login', { method: 'POST', body: { username: 'someone', password: 'whatever!' } }),
        ]);
        for (const response of during) {
          expectProblem(response, 503, 'service_unavailable');
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        }
        await proxy.up();
        let recovered = 0;
        for (let attempt = 0; attempt < 50 && recovered !== 200; attempt += 1) {
          recovered = (await api('/api/auth/me', { token })).status;
          if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(recovered).toBe(200);
      } finally {
        await server.close();
        await proxy.close();
        await database.drop();
      }
    });
  });
}

describeE2E('platform: shutdown drain (in process)', () => {
  it('answers a request in flight when the drain starts with Connection: close, so the client does not reuse the socket', async () => {
    const server = await startTestServer();
    let closing: Promise<void> | undefined;
    try {
      // close() as soon as the registration has arrived (argon2 keeps it in flight for tens of ms).
      server.app.getHttpServer().once('request', () => (closing = server.close()));
      const response = await http(server.url)('/api/auth/register', {
        method: 'POST',
        body: { username: uniqueUsername('drain'), password: 'correct horse battery' },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('connection')).toBe('close');
    } finally {
      await (closing ?? server.close());
    }
  });
});

if (testDatabaseKind() === 'embedded') {
  describeE2E('platform: embedded PostgreSQL (PGlite over pglite-socket)', () => {
    it('round-trips a 900 KB parameter intact while other queries run (one connection: no interleaving)', async () => {
      const server = await startTestServer();
      try {
        const dataSource = server.app.get(DataSource);
        // Multi-byte text, so a split or mixed-up TCP read would show as a mismatch, not just a length change.
        const unit = 'Grüße, 世界 🌍 '; // 21 UTF-8 bytes
        const big = unit.repeat(Math.ceil(900_000 / Buffer.byteLength(unit)));
        expect(Buffer.byteLength(big)).toBeGreaterThanOrEqual(900_000);
        const small = Array.from({ length: 20 }, (_, index) => dataSource.query('SELECT $1::int AS n', [index]));
        const [rows, ...smallRows] = await Promise.all([
          dataSource.query<{ v: string; n: number }[]>('SELECT $1::text AS v, octet_length($1::text) AS n', [big]),
          ...small,
        ]);
        expect(rows[0]?.n).toBe(Buffer.byteLength(big));
        expect(rows[0]?.v === big).toBe(true);
        smallRows.forEach((result: { n: number }[], index) => expect(result[0]?.n).toBe(index));
      } finally {
        await server.close();
      }
    });

    it('refuses a second server on the same DATA_DIR with a clear message', async () => {
      const database = await createTestDatabase('embedded');
      const first = await startTestServer({ database });
      try {
        await expect(startTestServer({ database })).rejects.toThrow(/DATA_DIR .* is in use by another Concord process \(pid \d+\)/);
        // The first one is unharmed.
        expect((await http(first.url)('/api/health')).status).toBe(200);
      } finally {
        await first.close();
        await database.drop();
      }
    });

    it('initialises a new DATA_DIR (parents included), and keeps users and the generated JWT secret across a restart', async () => {
      // fresh: PGlite's own initdb into a folder whose parents don't exist yet, not the harness's cached template.
      const database = await createTestDatabase('embedded', { fresh: true });
      // JWT_SECRET unset (empty = unset): the embedded default generates one into DATA_DIR.
      const env = { JWT_SECRET: '' };
      try {
        const first = await startTestServer({ database, env });
        const registered = await registerUser(first.url);
        await first.close();
        const second = await startTestServer({ database, env });
        try {
          const api = http(second.url);
          const me = await api('/api/auth/me', { token: registered.token });
          expect(me.status).toBe(200);
          expect(me.body).toEqual(registered.user);
          const login = await api('/api/auth/login', {
            method: 'POST',
            body: { username: registered.user.username, password: 'correct horse battery' },
          });
          expect(login.status).toBe(200);
        } finally {
          await second.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
}

describeE2E('platform: the built server as a process (SIGTERM, SIGKILL, boot failures)', () => {
  const PASSWORD = 'correct horse battery';

  it('SIGTERM drains: requests in flight finish and are acknowledged, then it exits 0 within the bound', async () => {
    const database = await createTestDatabase();
    try {
      const server = await spawnServer({ env: { ...database.env, SHUTDOWN_TIMEOUT_MS: '5000' } });
      const api = http(server.url);
      // Warm 16 keep-alive connections first, so every request below reaches the server at once (a connection
      // still being opened when SIGTERM lands is refused, which is fine, but would prove nothing here).
      await Promise.all(Array.from({ length: 16 }, () => api('/api/health')));
      // Registrations hash with argon2id (tens of ms each, 4 at a time): a queue that is still working when SIGTERM lands.
      const usernames = Array.from({ length: 16 }, (_, index) => `drain-${index}-${server.pid}`);
      let signalledAt = Number.POSITIVE_INFINITY;
      const answeredAfterSignal: string[] = [];
      const inFlight = usernames.map((username) =>
        api('/api/auth/register', { method: 'POST', body: { username, password: PASSWORD } }).then((response) => {
          if (Date.now() > signalledAt && response.status === 201) answeredAfterSignal.push(username);
          return response;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      signalledAt = Date.now();
      server.kill('SIGTERM');
      const results = await Promise.allSettled(inFlight);
      const exit = await server.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(5000 + 3000);
      // Requests the server had received were answered 201 after the signal (the drain); a request still on
      // its way when the listener closed may be refused at the connection level — never a 5xx or a cut response.
      const statuses = results.map((result) => (result.status === 'fulfilled' ? result.value.status : 'refused'));
      expect(statuses.filter((status) => status !== 201 && status !== 'refused')).toEqual([]);
      expect(answeredAfterSignal.length).toBeGreaterThan(0);
      const acknowledged = usernames.filter((_, index) => statuses[index] === 201);
      // ...and every acknowledged registration is there after a restart.
      const again = await spawnServer({ env: database.env });
      try {
        for (const username of acknowledged) {
          const login = await http(again.url)('/api/auth/login', { method: 'POST', body: { username, password: PASSWORD } });
          expect(login.status).toBe(200);
        }
        // ...and a refused one was never processed: no write happened without its answer.
        for (const username of usernames.filter((name) => !acknowledged.includes(name))) {
          const login = await http(again.url)('/api/auth/login', { method: 'POST', body: { username, password: PASSWORD } });
          expect(login.status).toBe(401);
        }
      } finally {
        await again.stop();
      }
    } finally {
      await database.drop();
    }
  });

  it('after SIGKILL it restarts on the same database (a stale DATA_DIR lock is taken over) and keeps acknowledged writes', async () => {
    const database = await createTestDatabase();
    try {
      const first = await spawnServer({ env: database.env });
      const registered = await registerUser(first.url);
      first.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const second = await spawnServer({ env: database.env });
      try {
        const api = http(second.url);
        const login = await api('/api/auth/login', { method: 'POST', body: { username: registered.user.username, password: PASSWORD } });
        expect(login.status).toBe(200);
        expect(login.body.user).toEqual(registered.user);
      } finally {
        expect(await second.stop()).toEqual({ code: 0, signal: null });
      }
    } finally {
      await database.drop();
    }
  });

  it('refuses to boot on a bad setting, exiting 1 with one clear line', async () => {
    const database = await createTestDatabase();
    try {
      const server = await spawnServer({ env: { ...database.env, MAX_DOCUMENT_BYTES: 'lots' }, waitForReady: false });
      expect((await server.exited).code).toBe(1);
      expect(server.output()).toMatch(/concord: Invalid app configuration: MAX_DOCUMENT_BYTES/);
    } finally {
      await database.drop();
    }
  });

  if (testDatabaseKind() === 'embedded') {
    it('refuses a second process on a DATA_DIR in use, exiting 1 with a clear message', async () => {
      const database = await createTestDatabase('embedded');
      try {
        const first = await spawnServer({ env: database.env });
        try {
          const second = await spawnServer({ env: database.env, waitForReady: false });
          expect((await second.exited).code).toBe(1);
          expect(second.output()).toContain(`is in use by another Concord process (pid ${first.pid})`);
          expect((await http(first.url)('/api/health')).status).toBe(200);
        } finally {
          await first.stop();
        }
      } finally {
        await database.drop();
      }
    });
  }
});

interface FailedBoot {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built server on `env`, expected to stop at boot (killed after 45 s if it does not, which fails the test). */
function bootExpectingFailure(env: Record<string, string>): Promise<FailedBoot> {
  const child = spawn(process.execPath, [BUILT_SERVER], {
    env: { ...process.env, ...TEST_DEFAULT_ENV, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Exit 1 and one line on stderr saying what to fix; stdout, if anything, only pino's JSON lines. */
function expectOneLine(boot: FailedBoot, line: RegExp): void {
  expect(boot).toMatchObject({ code: 1 });
  expect(boot.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
  for (const logLine of boot.stdout.split('\n').filter((text) => text.trim() !== '')) {
    expect(() => JSON.parse(logLine) as unknown).not.toThrow();
  }
}

/** A migrations table holding a migration this build does not have, as a newer Concord leaves it. */
async function migrateAsNewerConcord(database: TestDatabase): Promise<void> {
  const embedded = database.dataDir === undefined ? undefined : await startEmbeddedPostgres(database.dataDir);
  const client = new Client({ connectionString: database.databaseUrl ?? embedded!.url });
  await client.connect();
  try {
    await client.query('CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)');
    await client.query(`INSERT INTO migrations ("timestamp", name) VALUES (1899999999999, 'FromTheFuture1899999999999')`);
  } finally {
    await client.end();
    await embedded?.stop();
  }
}

describeE2E('platform: boot failures of the built server (exit 1, one line, nothing left half-started)', () => {
  it('refuses a database migrated by a newer Concord instead of serving a schema it cannot read', async () => {
    const database = await createTestDatabase();
    try {
      await migrateAsNewerConcord(database);
      expectOneLine(
        await bootExpectingFailure(database.env),
        /^concord: the database was migrated by a newer Concord \(migrations this version does not know: FromTheFuture1899999999999\)/,
      );
    } finally {
      await database.drop();
    }
  });

  if (testDatabaseKind() === 'embedded') {
    it.each([
      // Read inside Nest's boot before: a coloured stack after the embedded database had been opened.
      ['HISTORY_LIMIT', '0', /^concord: Invalid documents configuration: HISTORY_LIMIT: must be a whole number from 1 to 10000000$/],
      // Express threw it halfway through the boot.
      ['TRUST_PROXY', 'yes', /^concord: Invalid app configuration: TRUST_PROXY: /],
      // Coerced to 1000 before.
      ['PORT', '1e3', /^concord: Invalid app configuration: PORT: must be a whole number from 0 to 65535$/],
    ])('a bad %s (%s) stops it before DATA_DIR is touched', async (name, value, line) => {
      const root = mkdtempSync(join(tmpdir(), 'concord-boot-'));
      try {
        const dataDir = join(root, 'data');
        expectOneLine(await bootExpectingFailure({ DATA_DIR: dataDir, [name]: value }), line);
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('a PORT already in use: one line naming it, and the embedded database closed and DATA_DIR unlocked', async () => {
      const database = await createTestDatabase('embedded');
      const port = await freePort();
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
      try {
        // An unhandled rejection with Node's stack before, leaving the embedded database unclosed.
        expectOneLine(
          await bootExpectingFailure({ ...database.env, PORT: String(port) }),
          new RegExp(`^concord: cannot listen on HOST 127\\.0\\.0\\.1 PORT ${port}: listen EADDRINUSE`),
        );
        expect(existsSync(join(database.dataDir!, LOCK_FILE))).toBe(false);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
        await database.drop();
      }
    });

    it('a damaged DATA_DIR: one line naming the folder and what to do, and DATA_DIR unlocked', async () => {
      const database = await createTestDatabase('embedded');
      try {
        writeFileSync(join(database.dataDir!, 'pgdata', 'PG_VERSION'), '99\n');
        expectOneLine(
          await bootExpectingFailure(database.env),
          /^concord: the embedded PostgreSQL in .*pgdata did not start \(.*\)\. The folder may be damaged .*restore it from a backup/,
        );
        expect(existsSync(join(database.dataDir!, LOCK_FILE))).toBe(false);
      } finally {
        await database.drop();
      }
    });
  }

  if (testDatabaseKind() === 'postgres') {
    it('a DATABASE_URL naming a missing database fails at once with PostgreSQL’s reason, never the password', async () => {
      const url = new URL(POSTGRES_ADMIN_URL);
      url.password = 'hunter2-not-for-logs';
      url.pathname = `/concord_missing_${process.pid}`;
      const boot = await bootExpectingFailure({ DATABASE_URL: url.toString(), DATABASE_CONNECT_TIMEOUT_MS: '60000' });
      // Retried 3 times by TypeORM before (a stack per attempt), though waiting cannot create a database.
      expectOneLine(boot, /^concord: the database at postgres:\/\/postgres:\*\*\*@.* refused the connection: database ".*" does not exist \(3D000\)$/);
      expect(boot.stderr + boot.stdout).not.toContain('hunter2');
    });

    it('a DATABASE_URL whose server accepts but never answers fails within DATABASE_CONNECT_TIMEOUT_MS', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        const boot = await bootExpectingFailure({
          DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/concord`,
          DATABASE_CONNECT_TIMEOUT_MS: '1000',
        });
        // Four pool timeouts and three 1 s pauses before, then a stack.
        expectOneLine(boot, /^concord: the database at .* did not answer within DATABASE_CONNECT_TIMEOUT_MS \(1000 ms\): /);
      } finally {
        silent.close();
      }
    });
  }
});
