/**
 * A token bucket per socket: `burst` edits may arrive at once, then `ratePerSecond` on average.
 * A bucket (rather than a fixed window) lets a typist's natural bursts through while still
 * capping a runaway client, and needs no timers: tokens are refilled lazily on each take.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = options.burst;
    this.last = now();
  }

  /** Takes one token; returns 0 when granted, else the milliseconds until one is available. */
  take(): number {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsedSeconds * this.options.ratePerSecond);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.options.ratePerSecond) * 1000);
  }
}
