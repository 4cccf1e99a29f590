import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import type { AuthResponse, Problem, UserSummary } from '@concord/shared';
import { describeE2E, http, type HttpClient, registerUser, startTestServer, uniqueUsername, useSuiteServer } from '../support';

const PASSWORD = 'correct horse battery';

function expectProblem(response: { status: number; headers: Headers; body: unknown }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code });
}

/** A token signed with some secret, for forged-token cases. */
function signToken(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describeE2E('auth (CONTRACT §2: register, login, me)', () => {
  const suite = useSuiteServer();
  const { api } = suite;

  it('registers a user: 201 with {user, token}, displayName defaulting to the username', async () => {
    const username = uniqueUsername('alice');
    const response = await api<AuthResponse>('/api/auth/register', { method: 'POST', body: { username, password: PASSWORD } });
    expect(response.status).toBe(201);
    expect(response.body.user).toEqual({ id: expect.any(String), username, displayName: username });
    expect(response.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('keeps a displayName in any script, emoji sequences (ZWJ) included', async () => {
    const displayName = 'Zoë 李 עברית 👩\u200D💻';
    const response = await api<AuthResponse>('/api/auth/register', {
      method: 'POST',
      body: { username: uniqueUsername(), password: PASSWORD, displayName },
    });
    expect(response.status).toBe(201);
    expect(response.body.user.displayName).toBe(displayName);
  });

  it('keeps a given displayName and lower-cases the username', async () => {
    const username = uniqueUsername('bob');
    const response = await api<AuthResponse>('/api/auth/register', {
      method: 'POST',
      body: { username: username.toUpperCase(), password: PASSWORD, displayName: 'Bob B.' },
    });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ username, displayName: 'Bob B.' });
  });

  it('answers 409 username_taken for a taken username, whatever its case', async () => {
    const { user } = await registerUser(suite.url);
    const response = await api('/api/auth/register', {
      method: 'POST',
      body: { username: user.username.toUpperCase(), password: PASSWORD },
    });
    expectProblem(response, 409, 'username_taken');
  });

  it('lets exactly one of two simultaneous registrations of a name win', async () => {
    const username = uniqueUsername('race');
    const attempts = await Promise.all(
      [1, 2, 3].map(() => api('/api/auth/register', { method: 'POST', body: { username, password: PASSWORD } })),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 409, 409]);
  });

  it.each([
    ['a missing password', { username: 'valid-name' }],
    ['a short password', { username: 'valid-name', password: 'short' }],
    ['a username with spaces', { username: 'two words', password: PASSWORD }],
    ['a one-letter username', { username: 'a', password: PASSWORD }],
    ['an unknown field', { username: 'valid-name', password: PASSWORD, admin: true }],
    ['a number for the username', { username: 42, password: PASSWORD }],
    ['a NUL in the username', { username: 'ab\u0000c', password: PASSWORD }],
    ['a NUL in the displayName', { username: 'valid-name', password: PASSWORD, displayName: 'A\u0000B' }],
    ['a lone surrogate in the displayName', { username: 'valid-name', password: PASSWORD, displayName: 'A\uD800B' }],
    ['a line break in the displayName', { username: 'valid-name', password: PASSWORD, displayName: 'Ann\nSystem: reset' }],
    ['a right-to-left override in the displayName', { username: 'valid-name', password: PASSWORD, displayName: 'Ann\u202Enimda' }],
    ['a bidi isolate in the displayName', { username: 'valid-name', password: PASSWORD, displayName: 'Ann\u2067x\u2069' }],
  ])('refuses a registration with %s: 422 validation_failed with field errors', async (_case, body) => {
    const response = await api<Problem>('/api/auth/register', { method: 'POST', body });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors?.length).toBeGreaterThan(0);
  });

  it('stores only an argon2id hash, never the password', async () => {
    const { user } = await registerUser(suite.url);
    const url = suite.server.databaseUrl;
    if (url === undefined) {
      // Embedded: the pool is the app's only connection, so ask through the app's DataSource.
      const { DataSource } = await import('typeorm');
      const rows: { password_hash: string }[] = await suite.server.app
        .get(DataSource)
        .query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
      expect(rows[0]?.password_hash).not.toContain(PASSWORD);
      return;
    }
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
      expect(rows[0]?.password_hash).not.toContain(PASSWORD);
    } finally {
      await client.end();
    }
  });

  it('logs in: 200 with {user, token}, username case-insensitive', async () => {
    const registered = await registerUser(suite.url);
    const response = await api<AuthResponse>('/api/auth/login', {
      method: 'POST',
      body: { username: registered.user.username.toUpperCase(), password: PASSWORD },
    });
    expect(response.status).toBe(200);
    expect(response.body.user).toEqual(registered.user);
    const me = await api<UserSummary>('/api/auth/me', { token: response.body.token });
    expect(me.body).toEqual(registered.user);
  });

  it('answers 401 invalid_credentials for a wrong password and for an unknown user alike', async () => {
    const { user } = await registerUser(suite.url);
    const wrong = await api<Problem>('/api/auth/login', { method: 'POST', body: { username: user.username, password: 'not the password' } });
    const unknown = await api<Problem>('/api/auth/login', { method: 'POST', body: { username: uniqueUsername('ghost'), password: PASSWORD } });
    expectProblem(wrong, 401, 'invalid_credentials');
    expectProblem(unknown, 401, 'invalid_credentials');
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('refuses a malformed login body with 422 and malformed JSON with 400', async () => {
    expectProblem(await api('/api/auth/login', { method: 'POST', body: { username: 'x' } }), 422, 'validation_failed');
    expectProblem(
      await api('/api/auth/login', { method: 'POST', body: '{"username":', headers: { 'content-type': 'application/json' } }),
      400,
      'malformed_json',
    );
  });

  it('GET /api/auth/me returns the token’s user', async () => {
    const { user, token } = await registerUser(suite.url);
    const response = await api<UserSummary>('/api/auth/me', { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(user);
  });

  it.each([
    ['no Authorization header', {}],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a garbage token', { authorization: 'Bearer not-a-jwt' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('GET /api/auth/me with %s: 401 unauthorized problem', async (_case, headers) => {
    const response = await api('/api/auth/me', { headers });
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses forged tokens: wrong secret and alg none', async () => {
    const { user } = await registerUser(suite.url);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, username: user.username, iat: now, exp: now + 600 };
    const wrongSecret = signToken(claims, 'some-other-secret-some-other-secret-0000');
    const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
    const algNone = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    expectProblem(await api('/api/auth/me', { token: wrongSecret }), 401, 'unauthorized');
    expectProblem(await api('/api/auth/me', { token: algNone }), 401, 'unauthorized');
  });

  it('refuses the token of a deleted user', async () => {
    const { user, token } = await registerUser(suite.url);
    const { DataSource } = await import('typeorm');
    await suite.server.app.get(DataSource).query('DELETE FROM users WHERE id = $1', [user.id]);
    expectProblem(await api('/api/auth/me', { token }), 401, 'unauthorized');
  });

  it('refuses an expired token', async () => {
    // `exp` is whole seconds from a floored `iat`: a 1 s token may expire a moment after issue
    // (one issued at 12.95 s is dead at 13.0). 2 s leaves at least a second for the first check.
    const expiring = await startTestServer({ env: { JWT_TTL: '2s' } });
    try {
      const { token } = await registerUser(expiring.url);
      expect((await http(expiring.url)('/api/auth/me', { token })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      expectProblem(await http(expiring.url)('/api/auth/me', { token }), 401, 'unauthorized');
    } finally {
      await expiring.close();
    }
  });

  it('rate-limits login and register per client: 429 rate_limited with Retry-After', async () => {
    const limited = await startTestServer({ env: { AUTH_RATE_LIMIT: '3', AUTH_RATE_WINDOW: '60s' } });
    try {
      const client = http(limited.url);
      const statuses: number[] = [];
      let last: Awaited<ReturnType<HttpClient>> | undefined;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        last = await client('/api/auth/login', { method: 'POST', body: { username: 'nobody', password: 'whatever1' } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expectProblem(last!, 429, 'rate_limited');
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      // Other routes are not throttled by it.
      expect((await client('/api/health')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits password attempts per account, from any number of addresses: 429 even for the right password', async () => {
    const limited = await startTestServer({
      env: { AUTH_ACCOUNT_RATE_LIMIT: '3', AUTH_RATE_WINDOW: '60s', TRUST_PROXY: 'loopback' },
    });
    try {
      const client = http(limited.url);
      const target = await registerUser(limited.url);
      const bystander = await registerUser(limited.url);
      // Each guess from its own address: the per-IP limit never applies.
      const attempt = (n: number, username: string, password: string) =>
        client<AuthResponse>('/api/auth/login', {
          method: 'POST',
          headers: { 'x-forwarded-for': `203.0.113.${n}` },
          body: { username: username.toUpperCase(), password },
        });
      const statuses: number[] = [];
      for (let n = 1; n <= 3; n += 1) statuses.push((await attempt(n, target.user.username, 'wrong guess')).status);
      const blocked = await attempt(4, target.user.username, PASSWORD);
      expect([...statuses, blocked.status]).toEqual([401, 401, 401, 429]);
      expectProblem(blocked, 429, 'rate_limited');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // An unknown username is counted the same way (the answer does not tell whether it exists).
      const unknown: number[] = [];
      for (let n = 10; n < 14; n += 1) unknown.push((await attempt(n, 'no-such-account-zz', 'guess')).status);
      expect(unknown).toEqual([401, 401, 401, 429]);
      // Other accounts sign in, and the blocked account's tokens keep working.
      expect((await attempt(20, bystander.user.username, PASSWORD)).status).toBe(200);
      expect((await client('/api/auth/me', { token: target.token })).status).toBe(200);
      // A password change counts against the same account.
      expectProblem(
        await client('/api/auth/password', {
          method: 'PUT',
          token: target.token,
          body: { currentPassword: PASSWORD, newPassword: 'a new passphrase' },
        }),
        429,
        'rate_limited',
      );
    } finally {
      await limited.close();
    }
  });

  it('with TRUST_PROXY, rate-limits per client IP from X-Forwarded-For, not per proxy', async () => {
    const limited = await startTestServer({ env: { AUTH_RATE_LIMIT: '2', AUTH_RATE_WINDOW: '60s', TRUST_PROXY: 'loopback' } });
    try {
      const client = http(limited.url);
      const attempt = (ip: string) =>
        client('/api/auth/login', {
          method: 'POST',
          headers: { 'x-forwarded-for': ip },
          body: { username: 'nobody', password: 'whatever1' },
        }).then((response) => response.status);
      expect([await attempt('203.0.113.1'), await attempt('203.0.113.1'), await attempt('203.0.113.1')]).toEqual([401, 401, 429]);
      expect(await attempt('203.0.113.2')).toBe(401);
    } finally {
      await limited.close();
    }
  });
});
