import { Injectable, Optional } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { pgPoolOf } from '../database/pg-pool';

/** What the metrics read from the socket.io server at scrape time (structural, so no socket.io import here). */
export interface RealtimeSource {
  engine: { clientsCount: number };
  sockets: { adapter: { rooms: Map<string, Set<string>>; sids: Map<string, Set<string>> } };
}

/** The bits of a pg Pool the pool gauges read (pg exposes them as getters). */
/** Label of requests that matched no route: raw paths would make the label set unbounded. */
export const UNMATCHED_ROUTE = '<unmatched>';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The express route pattern (`/api/documents/:id`) that served a request, never its raw path. */
export function routeOf(request: Request): string {
  // express types `req.route` as any; read it as unknown and check.
  const route: unknown = (request as { route?: unknown }).route;
  const path: unknown =
    typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  // A catch-all (`/{*path}`: Nest's not-found route) is no route of ours: one label for all of them.
  return typeof path === 'string' && !path.includes('*') ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/** Set by the problem filter so the 409 counter can carry the problem's `code`. */
export const PROBLEM_CODE_LOCAL = 'problemCode';

/**
 * Concord's Prometheus metrics. One registry per app instance (not prom-client's global one):
 * the e2e suites run several apps in one process, and each must count only its own traffic.
 */
/** 1 ms to 5 s: a request or write slower than that is an outage, not a latency. */
const REQUEST_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private realtime: RealtimeSource | undefined;

  private readonly httpRequests = new Counter({
    name: 'concord_http_requests_total',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpConflicts = new Counter({
    name: 'concord_http_conflicts_total',
    help: 'HTTP 409 answers by route pattern and problem code (stale_version, slug_taken, ...).',
    labelNames: ['method', 'route', 'code'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'concord_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: REQUEST_SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly writeDuration = new Histogram({
    name: 'concord_write_duration_seconds',
    help: 'Latency of writes (POST/PUT/PATCH/DELETE over HTTP, edits over the socket) by route or event and outcome.',
    labelNames: ['route', 'outcome'] as const,
    buckets: REQUEST_SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly broadcastDelay = new Histogram({
    name: 'concord_edit_broadcast_delay_seconds',
    help: 'From an accepted write (its timestamp) to its emit to the document room on this instance.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  private readonly broadcasts = new Counter({
    name: 'concord_edit_broadcasts_total',
    help: 'Edits emitted to document rooms by this instance.',
    registers: [this.registry],
  });

  private readonly mergeDuration = new Histogram({
    name: 'concord_merge_duration_seconds',
    help: 'Server-side three-way merges (Prefer: merge / merge: true) by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  private readonly socketConnections = new Counter({
    name: 'concord_socket_connections_total',
    help: 'socket.io connections accepted by this instance since start.',
    registers: [this.registry],
  });

  constructor(@Optional() dataSource?: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'concord_' });
    const realtime = (): RealtimeSource | undefined => this.realtime;
    const rooms = (): number => this.documentRoomCount();
    new Gauge({
      name: 'concord_open_sockets',
      help: 'socket.io connections open on this instance.',
      registers: [this.registry],
      collect() {
        this.set(realtime()?.engine.clientsCount ?? 0);
      },
    });
    new Gauge({
      name: 'concord_open_rooms',
      help: 'Document rooms with at least one socket on this instance.',
      registers: [this.registry],
      collect() {
        this.set(rooms());
      },
    });
    new Gauge({
      name: 'concord_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting clients, max).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const pool = dataSource ? pgPoolOf(dataSource) : undefined;
        if (pool === undefined) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
        if (pool.options?.max !== undefined) this.set({ state: 'max' }, pool.options.max);
      },
    });
  }

  /** The gateway hands its server over once; sockets and rooms are then read at scrape time. */
  watchRealtime(server: RealtimeSource): void {
    this.realtime = server;
  }

  socketConnected(): void {
    this.socketConnections.inc();
  }

  /** A server-side merge took `ms`; `clean` false when it ended in a 409 with conflicts. */
  observeMerge(ms: number, clean: boolean): void {
    this.mergeDuration.observe({ outcome: clean ? 'clean' : 'conflict' }, ms / 1000);
  }

  /** A socket edit took `ms` from receipt to ack. */
  observeSocketWrite(ms: number, ok: boolean): void {
    this.writeDuration.observe({ route: 'socket:edit', outcome: ok ? 'ok' : 'rejected' }, ms / 1000);
  }

  /** An edit written at `at` (ISO time) was emitted to its room now. */
  observeBroadcast(at: string): void {
    this.broadcasts.inc();
    const delayMs = Date.now() - Date.parse(at);
    if (Number.isFinite(delayMs)) this.broadcastDelay.observe(Math.max(0, delayMs) / 1000);
  }

  /** Express middleware: counts every HTTP request when its response is finished. */
  httpMiddleware(): (request: Request, response: Response, next: NextFunction) => void {
    return (request, response, next) => {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = routeOf(request);
        const method = request.method;
        const status = response.statusCode;
        this.httpRequests.inc({ method, route, status: String(status) });
        this.httpDuration.observe({ method, route }, seconds);
        if (WRITE_METHODS.has(method) && route.startsWith('/api/documents')) {
          this.writeDuration.observe(
            { route: `${method} ${route}`, outcome: status < 400 ? 'ok' : String(status) },
            seconds,
          );
        }
        if (status === 409) {
          const code: unknown = response.locals[PROBLEM_CODE_LOCAL];
          this.httpConflicts.inc({ method, route, code: typeof code === 'string' ? code : 'unknown' });
        }
      });
      next();
    };
  }

  /** Prometheus text exposition. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private documentRoomCount(): number {
    const adapter = this.realtime?.sockets.adapter;
    if (adapter === undefined) return 0;
    let rooms = 0;
    // Every socket also sits in a room named by its own id; only the others are document rooms.
    for (const room of adapter.rooms.keys()) if (!adapter.sids.has(room)) rooms += 1;
    return rooms;
  }
}
