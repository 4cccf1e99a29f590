import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { CoalescingWebSocketServer } from './coalescing-websocket-server';
import { catchCommandFailures } from './redis-command-guard';

export interface ConcordIoAdapterOptions {
  /** The largest document; a socket message may carry a patch replacing all of it. */
  maxDocumentBytes: number;
  /** The CORS allow-list (`*` = any origin). */
  corsOrigins: readonly string[];
  /** Set → the socket.io Redis adapter, so rooms span every instance. */
  redisUrl?: string;
  /** The adapter's channel prefix (REALTIME_REDIS_KEY). */
  redisKey?: string;
}

/**
 * A patch replacing a whole document carries the old text (deleted) and the new (inserted),
 * each %-escaped: up to three characters per UTF-8 byte of non-ASCII text, so six times the
 * document size plus framing covers any edit of a document within the limit; anything larger
 * is refused by engine.io before it is buffered.
 */
export function maxMessageBytes(maxDocumentBytes: number): number {
  return 6 * maxDocumentBytes + 64 * 1024;
}

/**
 * Browsers send `Origin`; other clients (CLI, tests, servers) do not, and are not what origin
 * checking protects against. Same-origin pages (the built web client) are always allowed.
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowList: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowList.includes('*') || allowList.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * socket.io server options Concord needs beyond Nest's defaults: the message size limit, the
 * origin check (websocket upgrades ignore CORS, so `allowRequest` checks every transport), the
 * WebSocket server that coalesces each connection's writes, and the Redis adapter when configured.
 */
export class ConcordIoAdapter extends IoAdapter {
  private readonly logger = new Logger(ConcordIoAdapter.name);
  private redisClients: Redis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly options: ConcordIoAdapterOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigins } = this.options;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: maxMessageBytes(this.options.maxDocumentBytes),
      wsEngine: CoalescingWebSocketServer,
      cors: corsOrigins.includes('*') ? { origin: true } : { origin: [...corsOrigins] },
      allowRequest: (
        req: IncomingMessage,
        callback: (err: string | null | undefined, success: boolean) => void,
      ) => {
        const allowed = isOriginAllowed(req.headers.origin, req.headers.host, corsOrigins);
        callback(allowed ? null : 'origin not allowed', allowed);
      },
    }) as Server;
    if (this.options.redisUrl) {
      const pub = new Redis(this.options.redisUrl, { lazyConnect: false });
      // The adapter subscribes once, at start, and never retries: with ioredis's default (fail a
      // command after 20 reconnects) a Redis down at boot crashed the process, and even caught,
      // the instance would never hear the others. The subscriber's commands wait for Redis
      // instead, however long it is away.
      const sub = pub.duplicate({ maxRetriesPerRequest: null });
      for (const client of [pub, sub]) {
        client.on('error', (error: Error) => this.logger.warn(`redis adapter connection: ${error.message}`));
      }
      catchCommandFailures(pub, ['publish'], (error) =>
        this.logger.warn(`redis publish failed (cross-instance delivery paused): ${String(error)}`),
      );
      catchCommandFailures(sub, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'], (error) =>
        this.logger.warn(`redis subscription failed: ${String(error)}`),
      );
      this.redisClients = [pub, sub];
      server.adapter(createAdapter(pub, sub, { key: this.options.redisKey ?? 'socket.io' }));
      this.logger.log('socket.io Redis adapter on');
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await this.quitRedis();
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await this.quitRedis();
  }

  private async quitRedis(): Promise<void> {
    const clients = this.redisClients;
    this.redisClients = [];
    // QUIT is a command too: to a Redis that is away it would wait as long as the subscriber does.
    await Promise.all(
      clients.map(async (client) => {
        if (client.status !== 'ready') return client.disconnect();
        await client.quit().catch(() => client.disconnect());
      }),
    );
  }
}
