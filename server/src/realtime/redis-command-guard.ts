import type { Redis } from 'ioredis';

/**
 * The socket.io Redis adapter sends some commands without awaiting their promises: `publish`
 * on every broadcast, and (un)subscribe on the subscriber when it starts and closes. While Redis
 * is down ioredis rejects what is queued — after `maxRetriesPerRequest` reconnects, or when the
 * connection is closed on shutdown — and an unhandled rejection ends a Node process. A catch on
 * each of `commands` keeps the instance serving its own clients (clients on other instances catch
 * up with `sinceVersion` once Redis is back) and lets it shut down cleanly.
 */
export function catchCommandFailures(
  client: Redis,
  commands: ReadonlyArray<'publish' | 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe'>,
  onFailure: (error: unknown) => void,
): void {
  let lastReported = 0;
  for (const command of commands) {
    const send = (client[command] as (...args: unknown[]) => Promise<unknown>).bind(client);
    const guarded = (...args: unknown[]): Promise<unknown> => {
      const result = send(...args);
      result.catch((error: unknown) => {
        // One line per outage-ish interval, not one per broadcast.
        if (Date.now() - lastReported < 5_000) return;
        lastReported = Date.now();
        onFailure(error);
      });
      return result;
    };
    Object.defineProperty(client, command, { value: guarded, configurable: true, writable: true });
  }
}
