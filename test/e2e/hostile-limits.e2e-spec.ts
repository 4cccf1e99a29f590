// The hardening that hostile clients meet before any document logic: rate limits on
// login/register and on writes (per user and per IP, 429 problem+json with Retry-After),
// security headers, the CORS and socket origin allow-lists, the production JWT_SECRET rule,
// and logs that never carry passwords, tokens or document bodies.
import { randomBytes } from 'node:crypto';
import type { ConcordDocument } from '@concord/shared';
// The server is an application, not a library with an alias: its config loader is reached by path on purpose.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadAuthConfig } from '../../server/src/config/auth.config';
import {
  createTestDatabase,
  describeE2E,
  http,
  type HttpResponse,
  registerUser,
  spawnServer,
  startTestServer,
  testDatabaseKind,
  type TestServer,
} from '../support';
import { closeAllClients, connectClient } from './realtime.helpers';

jest.setTimeout(120_000);

const GOOD_ORIGIN = 'https://good.example';
const EVIL_ORIGIN = 'https://evil.example';

function expectRateLimited(response: HttpResponse): void {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status: 429, code: 'rate_limited' });
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describeE2E('hardening: rate limits, headers, origins, secrets, logs', () => {
  let server: TestServer;
  /** Registered first, for the origin checks (an auth-limit hit of its own). */
  let carolToken: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        AUTH_RATE_LIMIT: '4',
        WRITE_RATE_LIMIT: '3',
        WRITE_RATE_LIMIT_PER_IP: '5',
        CORS_ORIGINS: GOOD_ORIGIN,
      },
    });
    carolToken = (await registerUser(server.url)).token;
  });
  afterAll(async () => {
    closeAllClients();
    await server?.close();
  });

  it('limits writes per user, then per IP, with 429 + Retry-After; reads stay open; login/register are limited per IP', async () => {
    const api = http(server.url);
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url);
    const created: ConcordDocument[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: alice.token,
        body: { title: `a${i}` },
      });
      expect(response.status).toBe(201);
      created.push(response.body);
    }
    // Alice's fourth write: her own limit (3).
    expectRateLimited(
      await api('/api/documents', { method: 'POST', token: alice.token, body: { title: 'a3' } }),
    );
    expectRateLimited(
      await api(`/api/documents/${created[0].id}`, {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': created[0].etag },
        body: { content: 'x' },
      }),
    );
    // Reads are not limited.
    expect((await api(`/api/documents/${created[0].id}`, { token: alice.token })).status).toBe(200);
    // Bob has his own budget (3) but shares the address (5 per IP; alice's 3 accepted writes count, her refused ones not).
    for (let i = 0; i < 2; i += 1) {
      expect(
        (await api('/api/documents', { method: 'POST', token: bob.token, body: { title: `b${i}` } })).status,
      ).toBe(201);
    }
    expectRateLimited(
      await api('/api/documents', { method: 'POST', token: bob.token, body: { title: 'b2' } }),
    );

    // Login and register each have their own per-IP budget (4): four wrong passwords, then 429 even for the right one.
    for (let i = 0; i < 4; i += 1) {
      const wrong = await api('/api/auth/login', {
        method: 'POST',
        body: { username: alice.user.username, password: 'wrong password!' },
      });
      expect(wrong.status).toBe(401);
    }
    expectRateLimited(
      await api('/api/auth/login', {
        method: 'POST',
        body: { username: alice.user.username, password: 'correct horse battery' },
      }),
    );
    // carol, alice and bob registered: one more, then 429.
    expect(
      (
        await api('/api/auth/register', {
          method: 'POST',
          body: { username: `late-${randomBytes(3).toString('hex')}`, password: 'correct horse battery' },
        })
      ).status,
    ).toBe(201);
    expectRateLimited(
      await api('/api/auth/register', {
        method: 'POST',
        body: { username: 'too-late', password: 'correct horse battery' },
      }),
    );
  });

  it('answers CORS only for allow-listed origins', async () => {
    const preflight = (origin: string) =>
      fetch(new URL('/api/documents', server.url), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization,if-match',
        },
      });
    const good = await preflight(GOOD_ORIGIN);
    expect(good.headers.get('access-control-allow-origin')).toBe(GOOD_ORIGIN);
    const evil = await preflight(EVIL_ORIGIN);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses socket handshakes from origins not on the allow-list', async () => {
    const token = carolToken;
    await expect(connectClient(server.url, token, { origin: EVIL_ORIGIN })).rejects.toThrow();
    const good = await connectClient(server.url, token, { origin: GOOD_ORIGIN });
    expect(good.connected).toBe(true);
    good.close();
  });

  it('issues tokens that expire (JWT_TTL, 12 h by default)', () => {
    const claims = JSON.parse(Buffer.from(carolToken.split('.')[1], 'base64url').toString('utf8')) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  it('never runs on a built-in JWT secret: production without JWT_SECRET fails at boot; embedded secrets are generated per DATA_DIR', async () => {
    if (testDatabaseKind() === 'postgres') {
      expect(() =>
        loadAuthConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' }),
      ).toThrow(/JWT_SECRET/);
      expect(() =>
        loadAuthConfig({
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
          JWT_SECRET: 'short',
        }),
      ).toThrow(/32/);
    } else {
      const [one, two] = [await createTestDatabase('embedded'), await createTestDatabase('embedded')];
      try {
        const first = loadAuthConfig({ NODE_ENV: 'production', DATA_DIR: one.dataDir });
        const second = loadAuthConfig({ NODE_ENV: 'production', DATA_DIR: two.dataDir });
        expect(first.jwtSecretSource).toBe('data-dir');
        expect(first.jwtSecret).not.toBe(second.jwtSecret);
        expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
        // Stable across restarts on the same folder.
        expect(loadAuthConfig({ NODE_ENV: 'production', DATA_DIR: one.dataDir }).jwtSecret).toBe(
          first.jwtSecret,
        );
      } finally {
        await one.drop();
        await two.drop();
      }
    }
  });

  it('logs as JSON with a request id, and never a password, a token or a document body', async () => {
    const database = await createTestDatabase();
    const spawned = await spawnServer({
      env: { ...database.env, LOG_LEVEL: 'info' },
      readyTimeoutMs: 60_000,
    });
    try {
      const api = http(spawned.url);
      const password = `pw-${randomBytes(8).toString('hex')}`;
      const secretText = `body-${randomBytes(8).toString('hex')}`;
      const registered = await api<{ token: string }>('/api/auth/register', {
        method: 'POST',
        body: { username: `logged-${randomBytes(4).toString('hex')}`, password },
      });
      expect(registered.status).toBe(201);
      const token = registered.body.token;
      const created = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token,
        body: { title: 'Logged', content: secretText },
      });
      expect(created.status).toBe(201);
      // Failures are logged too (warn): a 409 with the body in its draft, a 422, a 401 with a token in the query.
      await api(`/api/documents/${created.body.id}`, {
        method: 'PUT',
        token,
        headers: { 'if-match': '"stale"' },
        body: { content: `${secretText}-2` },
      });
      await api(`/api/documents/${created.body.id}`, {
        method: 'PATCH',
        token,
        headers: { 'if-match': created.body.etag },
        body: { patch: secretText },
      });
      await api(`/api/documents?access_token=${token}`, { token: `${token}x` });
      await api('/api/auth/login', { method: 'POST', body: { username: 'nobody-here', password } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const output = spawned.output();
      for (const secret of [password, token, token.split('.')[2], secretText])
        expect(output).not.toContain(secret);
      const requestLines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { req?: { id?: string } })
        .filter((line) => line.req !== undefined);
      expect(requestLines.length).toBeGreaterThanOrEqual(5);
      for (const line of requestLines) expect(line.req?.id).toEqual(expect.any(String));
    } finally {
      await spawned.stop();
      await database.drop();
    }
  });
});
