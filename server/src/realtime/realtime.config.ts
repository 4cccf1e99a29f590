import { registerAs } from '@nestjs/config';
import { z } from 'zod';
import { type Env, intFromEnv, parseEnv } from '../config/env';

const RealtimeConfigSchema = z
  .object({
    /** Sustained socket edits per second a single socket may send. */
    REALTIME_EDIT_RATE: intFromEnv(1, 10_000).default(40),
    /** Edits a socket may send at once before the sustained rate applies. */
    REALTIME_EDIT_BURST: intFromEnv(1, 100_000).default(80),
  })
  .transform((raw) => ({ editRatePerSecond: raw.REALTIME_EDIT_RATE, editBurst: raw.REALTIME_EDIT_BURST }));

export type RealtimeConfig = z.infer<typeof RealtimeConfigSchema>;

export function loadRealtimeConfig(env: Env): RealtimeConfig {
  return parseEnv('realtime', RealtimeConfigSchema, env, ['REALTIME_EDIT_RATE', 'REALTIME_EDIT_BURST']);
}

/** Inject with `@Inject(realtimeConfig.KEY) config: RealtimeConfig`. */
export const realtimeConfig = registerAs('realtime', (): RealtimeConfig => loadRealtimeConfig(process.env));
