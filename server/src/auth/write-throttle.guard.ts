import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { ProblemError } from '../common/problem.error';
import { authConfig, type AuthConfig } from '../config/auth.config';
import type { AuthenticatedRequest } from './current-user.decorator';

/** Reads are cheap and cached (ETag); only writes are limited. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Limits writes per user and per client IP with @nestjs/throttler's storage (the one the
 * login/register throttler uses). Two keys because each alone has a hole: per user misses a
 * flood of fresh accounts from one address, per IP punishes a whole office behind one NAT
 * for one noisy user. Runs after the global bearer guard, so `request.user` is known.
 * A refusal is 429 problem+json `rate_limited` with Retry-After (seconds).
 */
@Injectable()
export class WriteThrottleGuard implements CanActivate {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    if (READ_METHODS.has(request.method)) return true;
    const { perUser, perIp, windowMs } = this.config.writeRateLimit;
    const buckets: [string, number][] = [[`ip:${request.ip ?? 'unknown'}`, perIp]];
    if (request.user !== undefined) buckets.unshift([`user:${request.user.id}`, perUser]);
    for (const [key, limit] of buckets) {
      const record = await this.storage.increment(`write:${key}`, windowMs, limit, windowMs, 'writes');
      if (record.isBlocked) {
        const retryAfter = Math.max(1, record.timeToBlockExpire);
        throw new ProblemError('rate_limited', 429, `Too many writes; retry in ${retryAfter} s.`, {
          headers: { 'Retry-After': String(retryAfter) },
          extensions: { retryAfterSeconds: retryAfter },
        });
      }
    }
    return true;
  }
}
