import type { Redis } from 'ioredis';

/**
 * The Redis adapter publishes without awaiting the promise. While Redis is down, ioredis
 * rejects queued commands after `maxRetriesPerRequest` reconnects: an unhandled rejection,
 * which ends a Node process. A catch on every publish keeps the instance serving its own
 * clients; clients on other instances catch up with `sinceVersion` once Redis is back.
 */
export function catchPublishFailures(client: Redis, onFailure: (error: unknown) => void): void {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  let lastReported = 0;
  const guarded = (...args: unknown[]): Promise<number> => {
    const result = publish(...args);
    result.catch((error: unknown) => {
      // One line per outage-ish interval, not one per broadcast.
      if (Date.now() - lastReported < 5_000) return;
      lastReported = Date.now();
      onFailure(error);
    });
    return result;
  };
  Object.defineProperty(client, 'publish', { value: guarded, configurable: true, writable: true });
}
