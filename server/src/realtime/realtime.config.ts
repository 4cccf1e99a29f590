import { registerAs } from '@nestjs/config';
import { z } from 'zod';
import { type Env, intFromEnv, parseEnv } from '../config/env';

const RealtimeConfigSchema = z
  .object({
    /** Sustained socket edits per second a single socket may send. */
    REALTIME_EDIT_RATE: intFromEnv(1, 10_000).default(40),
    /** Edits a socket may send at once before the sustained rate applies. */
    REALTIME_EDIT_BURST: intFromEnv(1, 100_000).default(80),
    /** Cursor moves per second a socket may send (each is relayed to the whole room). */
    REALTIME_CURSOR_RATE: intFromEnv(1, 10_000).default(30),
    /** Cursor moves a socket may send at once. */
    REALTIME_CURSOR_BURST: intFromEnv(1, 100_000).default(60),
    /** How long an edit that overtook its predecessor waits for it before being broadcast anyway. */
    REALTIME_REORDER_HOLD_MS: intFromEnv(0, 5_000).default(25),
    /**
     * With Redis, how often each instance re-reads the accounts and memberships behind its sockets,
     * to do what a notice from another instance lost on the way (Redis away) would have done.
     */
    REALTIME_RECONCILE_INTERVAL_MS: intFromEnv(100, 600_000).default(10_000),
    /** The Redis adapter's channel prefix: deployments (or test runs) sharing one Redis stay apart. */
    REALTIME_REDIS_KEY: z
      .string()
      .regex(/^[\w.:-]{1,100}$/)
      .default('socket.io'),
  })
  .transform((raw) => ({
    editRatePerSecond: raw.REALTIME_EDIT_RATE,
    editBurst: raw.REALTIME_EDIT_BURST,
    cursorRatePerSecond: raw.REALTIME_CURSOR_RATE,
    cursorBurst: raw.REALTIME_CURSOR_BURST,
    reorderHoldMs: raw.REALTIME_REORDER_HOLD_MS,
    redisKey: raw.REALTIME_REDIS_KEY,
    reconcileIntervalMs: raw.REALTIME_RECONCILE_INTERVAL_MS,
  }));

export type RealtimeConfig = z.infer<typeof RealtimeConfigSchema>;

export function loadRealtimeConfig(env: Env): RealtimeConfig {
  return parseEnv('realtime', RealtimeConfigSchema, env, [
    'REALTIME_EDIT_RATE',
    'REALTIME_EDIT_BURST',
    'REALTIME_CURSOR_RATE',
    'REALTIME_CURSOR_BURST',
    'REALTIME_REORDER_HOLD_MS',
    'REALTIME_RECONCILE_INTERVAL_MS',
    'REALTIME_REDIS_KEY',
  ]);
}

/** Inject with `@Inject(realtimeConfig.KEY) config: RealtimeConfig`. */
export const realtimeConfig = registerAs('realtime', (): RealtimeConfig => loadRealtimeConfig(process.env));
