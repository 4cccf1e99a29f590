import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, intFromEnv, parseEnv } from './env';

const DatabaseConfigSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .refine((url) => /^postgres(ql)?:\/\//.test(url), { message: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATA_DIR: z.string().default('./data'),
    DATABASE_POOL_MAX: intFromEnv(1, 200).default(10),
    DATABASE_CONNECT_TIMEOUT_MS: intFromEnv(100, 120_000).default(5000),
  })
  .transform((raw) => ({
    /** Unset → embedded PGlite in `dataDir`. */
    url: raw.DATABASE_URL,
    embedded: raw.DATABASE_URL === undefined,
    dataDir: resolve(raw.DATA_DIR),
    poolMax: raw.DATABASE_POOL_MAX,
    connectTimeoutMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
  }));

export type DatabaseConfig = z.infer<typeof DatabaseConfigSchema>;

export function loadDatabaseConfig(env: Env): DatabaseConfig {
  return parseEnv('database', DatabaseConfigSchema, env, [
    'DATABASE_URL',
    'DATA_DIR',
    'DATABASE_POOL_MAX',
    'DATABASE_CONNECT_TIMEOUT_MS',
  ]);
}

/** Inject with `@Inject(databaseConfig.KEY) config: DatabaseConfig`. */
export const databaseConfig = registerAs('database', (): DatabaseConfig => loadDatabaseConfig(process.env));
