import { registerAs } from '@nestjs/config';
import { z } from 'zod';
import { type Env, parseEnv } from './env';

const RedisConfigSchema = z
  .object({
    REDIS_URL: z
      .string()
      .refine((url) => /^rediss?:\/\//.test(url), { message: 'must be a redis:// or rediss:// URL' })
      .optional(),
  })
  .transform((raw) => ({ url: raw.REDIS_URL }));

export type RedisConfig = z.infer<typeof RedisConfigSchema>;

export function loadRedisConfig(env: Env): RedisConfig {
  return parseEnv('redis', RedisConfigSchema, env, ['REDIS_URL']);
}

/** Inject with `@Inject(redisConfig.KEY) config: RedisConfig`; `url` unset → no Redis adapter. */
export const redisConfig = registerAs('redis', (): RedisConfig => loadRedisConfig(process.env));
