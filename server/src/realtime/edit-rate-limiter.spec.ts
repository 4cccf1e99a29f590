import { TokenBucket } from './edit-rate-limiter';

describe('TokenBucket', () => {
  it('grants a burst, then refuses with the wait until the next token', () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(100);
    now = 50;
    expect(bucket.take()).toBe(50);
  });

  it('refills at the configured rate and never beyond the burst', () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, () => now);
    bucket.take();
    bucket.take();
    now = 100;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBeGreaterThan(0);
    now = 60_000;
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});
