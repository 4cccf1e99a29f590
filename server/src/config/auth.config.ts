import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadAppConfig } from './app.config';
import { loadDatabaseConfig } from './database.config';
import { ConfigError, durationSeconds, type Env, intFromEnv, parseEnv } from './env';

const AuthConfigSchema = z.object({
  JWT_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  JWT_TTL: durationSeconds(365).default(12 * 3600),
  /** Login + register attempts per client IP per window (@nestjs/throttler). */
  AUTH_RATE_LIMIT: intFromEnv(1, 1_000_000).default(20),
  AUTH_RATE_WINDOW: durationSeconds(1).default(60),
  /** Password attempts (login, password change) per account per window, from any number of IPs. */
  AUTH_ACCOUNT_RATE_LIMIT: intFromEnv(1, 1_000_000).default(10),
  /** Document writes (POST/PUT/PATCH/DELETE under /api/documents) per user per window. */
  WRITE_RATE_LIMIT: intFromEnv(1, 100_000_000).default(600),
  /** The same per client IP (many accounts behind one address). */
  WRITE_RATE_LIMIT_PER_IP: intFromEnv(1, 100_000_000).default(3000),
  WRITE_RATE_WINDOW: durationSeconds(1).default(60),
});

export interface AuthConfig {
  jwtSecret: string;
  /** Where the secret came from: the environment, DATA_DIR (embedded), or this process only. */
  jwtSecretSource: 'env' | 'data-dir' | 'ephemeral';
  jwtTtlSeconds: number;
  rateLimit: number;
  rateWindowMs: number;
  accountRateLimit: number;
  writeRateLimit: { perUser: number; perIp: number; windowMs: number };
}

export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The embedded default keeps a generated secret beside the data so tokens survive restarts.
 * `wx` makes a concurrent first boot harmless: the loser reads the winner's secret.
 */
function secretFromDataDir(dataDir: string): string {
  const file = join(dataDir, JWT_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new ConfigError(`${file} holds a JWT secret shorter than 32 characters`);
  return secret;
}

/** The variables alone, with no file touched: boot checks them before it takes DATA_DIR. */
export function parseAuthEnv(env: Env): z.infer<typeof AuthConfigSchema> {
  return parseEnv('auth', AuthConfigSchema, env, [
    'JWT_SECRET',
    'JWT_TTL',
    'AUTH_RATE_LIMIT',
    'AUTH_RATE_WINDOW',
    'AUTH_ACCOUNT_RATE_LIMIT',
    'WRITE_RATE_LIMIT',
    'WRITE_RATE_LIMIT_PER_IP',
    'WRITE_RATE_WINDOW',
  ]);
}

export function loadAuthConfig(env: Env): AuthConfig {
  const raw = parseAuthEnv(env);
  const app = loadAppConfig(env);
  const database = loadDatabaseConfig(env);
  let jwtSecret = raw.JWT_SECRET;
  let jwtSecretSource: AuthConfig['jwtSecretSource'] = 'env';
  if (jwtSecret === undefined) {
    if (database.embedded) {
      jwtSecret = secretFromDataDir(database.dataDir);
      jwtSecretSource = 'data-dir';
    } else if (app.production) {
      throw new ConfigError(
        'Invalid auth configuration: JWT_SECRET must be set (32+ characters) when NODE_ENV=production and DATABASE_URL is set',
      );
    } else {
      // Development against a real PostgreSQL: tokens last as long as this process.
      jwtSecret = randomBytes(48).toString('base64url');
      jwtSecretSource = 'ephemeral';
    }
  }
  return {
    jwtSecret,
    jwtSecretSource,
    jwtTtlSeconds: raw.JWT_TTL,
    rateLimit: raw.AUTH_RATE_LIMIT,
    rateWindowMs: raw.AUTH_RATE_WINDOW * 1000,
    accountRateLimit: raw.AUTH_ACCOUNT_RATE_LIMIT,
    writeRateLimit: {
      perUser: raw.WRITE_RATE_LIMIT,
      perIp: raw.WRITE_RATE_LIMIT_PER_IP,
      windowMs: raw.WRITE_RATE_WINDOW * 1000,
    },
  };
}

/** Inject with `@Inject(authConfig.KEY) config: AuthConfig`. */
export const authConfig = registerAs('auth', (): AuthConfig => loadAuthConfig(process.env));
