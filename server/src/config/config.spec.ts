import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from './app.config';
import { JWT_SECRET_FILE, loadAuthConfig } from './auth.config';
import { loadDatabaseConfig } from './database.config';
import { ConfigError } from './env';
import { loadRedisConfig } from './redis.config';

describe('config', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'concord-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has the documented defaults', () => {
    const app = loadAppConfig({});
    expect(app).toMatchObject({ port: 3000, maxDocumentBytes: 1024 * 1024, corsOrigins: [], logLevel: 'info', production: false });
    const database = loadDatabaseConfig({});
    expect(database.embedded).toBe(true);
    expect(database.dataDir).toBe(join(process.cwd(), 'data'));
    expect(loadRedisConfig({}).url).toBeUndefined();
  });

  it('parses values and treats empty strings as unset', () => {
    expect(loadAppConfig({ PORT: '8080', CORS_ORIGINS: 'http://a.test, http://b.test', MAX_DOCUMENT_BYTES: '' })).toMatchObject({
      port: 8080,
      corsOrigins: ['http://a.test', 'http://b.test'],
      maxDocumentBytes: 1024 * 1024,
    });
  });

  it('reads TRUST_PROXY as a boolean, a hop count or an address list', () => {
    expect(loadAppConfig({}).trustProxy).toBe(false);
    expect(loadAppConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadAppConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadAppConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it.each([
    [{ PORT: 'eighty' }, /Invalid app configuration: PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ MAX_DOCUMENT_BYTES: '-1' }, /MAX_DOCUMENT_BYTES/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    // Number() read these as 1000, 16 and 10000 before: what the operator meant is anyone's guess.
    [{ PORT: '1e3' }, /^Invalid app configuration: PORT: must be a whole number from 0 to 65535$/],
    [{ PORT: '0x10' }, /^Invalid app configuration: PORT: must be a whole number from 0 to 65535$/],
    [{ SHUTDOWN_TIMEOUT_MS: '1e4' }, /SHUTDOWN_TIMEOUT_MS: must be a whole number from 0 to 600000$/],
    [{ SHUTDOWN_TIMEOUT_MS: '10s' }, /SHUTDOWN_TIMEOUT_MS: must be a whole number/],
    [{ MAX_DOCUMENT_BYTES: '1MB' }, /MAX_DOCUMENT_BYTES: must be a whole number/],
    // Twice, in zod's words, before.
    [{ PORT: '99999999999999999999' }, /^Invalid app configuration: PORT: must be a whole number from 0 to 65535$/],
    // Express threw on these halfway through the boot.
    [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY: true, false, a hop count/],
    [{ TRUST_PROXY: '-1' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    // Accepted before, and then matched no browser's Origin: every cross-origin call refused without a word.
    [{ CORS_ORIGINS: 'https://app.test/' }, /CORS_ORIGINS: a comma-separated list of origins/],
    [{ CORS_ORIGINS: 'https://app.test, app.test' }, /CORS_ORIGINS/],
    [{ CORS_ORIGINS: 'https://App.test' }, /CORS_ORIGINS/],
  ])('fails at boot with a message naming the variable: %o', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigError);
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('accepts what Express and browsers mean by TRUST_PROXY and CORS_ORIGINS', () => {
    for (const value of ['loopback', 'loopback, 10.0.0.0/8, fd00::/8', '192.168.1.1/255.255.255.0', 'uniquelocal,linklocal'])
      expect(loadAppConfig({ TRUST_PROXY: value }).trustProxy).toBe(value);
    expect(loadAppConfig({ CORS_ORIGINS: 'https://app.test, http://127.0.0.1:5173, *' }).corsOrigins).toEqual([
      'https://app.test',
      'http://127.0.0.1:5173',
      '*',
    ]);
  });

  it('refuses a DATABASE_URL or REDIS_URL that is not one', () => {
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
    expect(() => loadRedisConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });

  it('embedded: generates a JWT secret once and keeps it in DATA_DIR', () => {
    const first = loadAuthConfig({ DATA_DIR: join(dataDir, 'deep', 'er') });
    const second = loadAuthConfig({ DATA_DIR: join(dataDir, 'deep', 'er') });
    expect(first.jwtSecretSource).toBe('data-dir');
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dataDir, 'deep', 'er', JWT_SECRET_FILE), 'utf8')).toBe(first.jwtSecret);
  });

  it('production with DATABASE_URL: JWT_SECRET must be set, never a built-in constant', () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/concord' };
    expect(() => loadAuthConfig(env)).toThrow(/JWT_SECRET must be set/);
    expect(() => loadAuthConfig({ ...env, JWT_SECRET: 'short' })).toThrow(/at least 32 characters/);
    expect(loadAuthConfig({ ...env, JWT_SECRET: 'x'.repeat(40) }).jwtSecretSource).toBe('env');
  });

  it('development with DATABASE_URL and no secret: a per-process secret, never a constant', () => {
    const a = loadAuthConfig({ DATABASE_URL: 'postgres://db/concord' });
    const b = loadAuthConfig({ DATABASE_URL: 'postgres://db/concord' });
    expect(a.jwtSecretSource).toBe('ephemeral');
    expect(a.jwtSecret).not.toBe(b.jwtSecret);
  });

  it('reads JWT_TTL and the auth rate-limit window as durations', () => {
    const config = loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: '2h', AUTH_RATE_WINDOW: '30s', AUTH_RATE_LIMIT: '5' });
    expect(config).toMatchObject({ jwtTtlSeconds: 7200, rateWindowMs: 30_000, rateLimit: 5 });
    expect(() => loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: 'forever' })).toThrow(/JWT_TTL/);
    expect(() => loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: '0' })).toThrow(/JWT_TTL/);
    // A stray digit made a token last for millions of years before (or past Number.MAX_SAFE_INTEGER seconds).
    expect(loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: '365d' }).jwtTtlSeconds).toBe(365 * 86_400);
    expect(() => loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: '3650d' })).toThrow(/JWT_TTL: must be at most 365d/);
    expect(() => loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), JWT_TTL: '99999999999999999999d' })).toThrow(/JWT_TTL/);
    expect(() => loadAuthConfig({ JWT_SECRET: 'y'.repeat(40), AUTH_RATE_WINDOW: '2d' })).toThrow(/AUTH_RATE_WINDOW: must be at most 1d/);
  });
});
