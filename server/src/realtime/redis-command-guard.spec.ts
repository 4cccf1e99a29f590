import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { catchCommandFailures } from './redis-command-guard';

/** A port nothing listens on: Redis is "down". */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The unhandled rejections from now until `stop`. */
function recordUnhandledRejections(): { seen: unknown[]; stop: () => void } {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  return { seen, stop: () => process.off('unhandledRejection', onUnhandled) };
}

describe('catchCommandFailures', () => {
  it('turns the publishes a Redis outage rejects into reported failures, not unhandled rejections', async () => {
    const unhandled = recordUnhandledRejections();
    const client = new Redis(await closedPort(), '127.0.0.1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: false,
    });
    client.on('error', () => undefined);
    const failures: unknown[] = [];
    try {
      catchCommandFailures(client, ['publish'], (error) => failures.push(error));
      // As the socket.io Redis adapter does it: fire and forget.
      void client.publish('channel', 'one');
      void client.publish('channel', 'two');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled.seen).toEqual([]);
      // Reported once per interval, not once per broadcast.
      expect(failures).toHaveLength(1);
      expect(String(failures[0])).toMatch(/connection|closed|retries|writeable/i);
    } finally {
      unhandled.stop();
      client.disconnect();
    }
  });

  it('catches the (un)subscriptions a subscriber still has queued when it is closed while Redis is away', async () => {
    const unhandled = recordUnhandledRejections();
    // As the adapter's subscriber is set up: it waits for Redis however long it is away.
    const client = new Redis(await closedPort(), '127.0.0.1', {
      maxRetriesPerRequest: null,
      lazyConnect: false,
    });
    client.on('error', () => undefined);
    const failures: unknown[] = [];
    try {
      catchCommandFailures(client, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'], (error) =>
        failures.push(error),
      );
      void client.psubscribe('channel*');
      void client.unsubscribe('channel');
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled.seen).toEqual([]);
      expect(String(failures[0])).toMatch(/closed/i);
    } finally {
      unhandled.stop();
    }
  });
});
