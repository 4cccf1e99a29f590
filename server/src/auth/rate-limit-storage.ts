import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Redis } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A Redis that does not answer within this long counts as away for that request. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The counters behind every rate limit (sign-in per address and per account, writes per user
 * and per address). With Redis they live there, so N instances allow the limit once, not N
 * times. While Redis is away (down, slow, not yet connected) each instance counts in its own
 * memory instead, as it does without Redis: a request is never refused, or failed, for want of
 * a counter.
 */
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitStorage.name);
  private readonly local = new ThrottlerStorageService();
  private readonly redis: Redis | undefined;
  private readonly shared: ThrottlerStorageRedisService | undefined;
  private lastWarnedAt = 0;

  /** `keyPrefix` keeps deployments (or test runs) that share one Redis apart. */
  constructor(redisUrl: string | undefined, keyPrefix: string) {
    if (redisUrl === undefined) return;
    this.redis = new Redis(redisUrl, {
      keyPrefix,
      // Fail at once while disconnected instead of queueing: the local counter answers then.
      enableOfflineQueue: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    });
    this.redis.on('error', (error: Error) => this.warn(`rate-limit counters in Redis: ${error.message}`));
    this.shared = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.shared !== undefined && this.redis?.status === 'ready') {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.warn(`rate-limit counter in Redis failed, counting in memory: ${String(error)}`);
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
    this.redis?.disconnect();
  }

  /** One line per outage-ish interval, not one per request. */
  private warn(message: string): void {
    if (Date.now() - this.lastWarnedAt < 5_000) return;
    this.lastWarnedAt = Date.now();
    this.logger.warn(message);
  }
}
