import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService, PROBLEM_CODE_LOCAL, routeOf, UNMATCHED_ROUTE } from './metrics.service';

/** A finished express exchange, as the middleware sees it. */
function exchange(options: { method: string; route?: string; baseUrl?: string; status: number; code?: string }): {
  request: Request;
  response: Response & EventEmitter;
} {
  const request = { method: options.method, baseUrl: options.baseUrl ?? '', route: options.route === undefined ? undefined : { path: options.route } } as unknown as Request;
  const response = Object.assign(new EventEmitter(), {
    statusCode: options.status,
    locals: options.code === undefined ? {} : { [PROBLEM_CODE_LOCAL]: options.code },
  }) as unknown as Response & EventEmitter;
  return { request, response };
}

function serve(metrics: MetricsService, options: Parameters<typeof exchange>[0]): void {
  const { request, response } = exchange(options);
  const next: NextFunction = jest.fn();
  metrics.httpMiddleware()(request, response, next);
  expect(next).toHaveBeenCalledTimes(1);
  response.emit('finish');
}

describe('routeOf', () => {
  it('is the route pattern with its mount point, never the raw path', () => {
    expect(routeOf(exchange({ method: 'GET', route: '/api/documents/:id', status: 200 }).request)).toBe('/api/documents/:id');
    expect(routeOf(exchange({ method: 'GET', route: '/:id', baseUrl: '/api/documents', status: 200 }).request)).toBe('/api/documents/:id');
  });

  it('puts requests that matched no route, or only a catch-all, under one label', () => {
    expect(routeOf(exchange({ method: 'GET', status: 404 }).request)).toBe(UNMATCHED_ROUTE);
    expect(routeOf(exchange({ method: 'GET', route: '/{*path}', status: 404 }).request)).toBe(UNMATCHED_ROUTE);
  });
});

describe('MetricsService', () => {
  it('counts requests by route and status, and 409s by route and problem code', async () => {
    const metrics = new MetricsService();
    serve(metrics, { method: 'PUT', route: '/api/documents/:id', status: 200 });
    serve(metrics, { method: 'PUT', route: '/api/documents/:id', status: 409, code: 'stale_version' });
    serve(metrics, { method: 'PUT', route: '/api/documents/:id', status: 409, code: 'stale_version' });
    serve(metrics, { method: 'POST', route: '/api/documents', status: 409, code: 'slug_taken' });
    const { body } = await metrics.exposition();
    expect(body).toContain('concord_http_requests_total{method="PUT",route="/api/documents/:id",status="200"} 1');
    expect(body).toContain('concord_http_requests_total{method="PUT",route="/api/documents/:id",status="409"} 2');
    expect(body).toContain('concord_http_conflicts_total{method="PUT",route="/api/documents/:id",code="stale_version"} 2');
    expect(body).toContain('concord_http_conflicts_total{method="POST",route="/api/documents",code="slug_taken"} 1');
    expect(body).toContain('concord_write_duration_seconds_count{route="PUT /api/documents/:id",outcome="409"} 2');
  });

  it('labels a 409 without a problem code "unknown" rather than dropping it', async () => {
    const metrics = new MetricsService();
    serve(metrics, { method: 'DELETE', route: '/api/documents/:id', status: 409 });
    expect((await metrics.exposition()).body).toContain('concord_http_conflicts_total{method="DELETE",route="/api/documents/:id",code="unknown"} 1');
  });

  it('does not time reads as writes', async () => {
    const metrics = new MetricsService();
    serve(metrics, { method: 'GET', route: '/api/documents/:id', status: 200 });
    expect((await metrics.exposition()).body).not.toContain('concord_write_duration_seconds_count{');
  });

  it('reads open sockets and document rooms from the socket.io server at scrape time', async () => {
    const metrics = new MetricsService();
    const sids = new Map([
      ['s1', new Set(['s1', 'document:a'])],
      ['s2', new Set(['s2', 'document:a', 'document:b'])],
    ]);
    const rooms = new Map([
      ['s1', new Set(['s1'])],
      ['s2', new Set(['s2'])],
      ['document:a', new Set(['s1', 's2'])],
      ['document:b', new Set(['s2'])],
    ]);
    const server = { engine: { clientsCount: 2 }, sockets: { adapter: { rooms, sids } } };
    metrics.watchRealtime(server);
    let body = (await metrics.exposition()).body;
    expect(body).toMatch(/^concord_open_sockets 2$/m);
    expect(body).toMatch(/^concord_open_rooms 2$/m);
    server.engine.clientsCount = 1;
    rooms.delete('document:b');
    body = (await metrics.exposition()).body;
    expect(body).toMatch(/^concord_open_sockets 1$/m);
    expect(body).toMatch(/^concord_open_rooms 1$/m);
  });

  it('observes merges by outcome, socket writes, and broadcast delay from the write time', async () => {
    const metrics = new MetricsService();
    metrics.observeMerge(3, true);
    metrics.observeMerge(200, false);
    metrics.observeSocketWrite(5, true);
    metrics.observeBroadcast(new Date(Date.now() - 20).toISOString());
    metrics.observeBroadcast('not a date');
    const { body } = await metrics.exposition();
    expect(body).toContain('concord_merge_duration_seconds_count{outcome="clean"} 1');
    expect(body).toContain('concord_merge_duration_seconds_count{outcome="conflict"} 1');
    expect(body).toContain('concord_merge_duration_seconds_bucket{le="0.15",outcome="conflict"} 0');
    expect(body).toContain('concord_write_duration_seconds_count{route="socket:edit",outcome="ok"} 1');
    expect(body).toMatch(/^concord_edit_broadcasts_total 2$/m);
    // An unparsable time is counted as a broadcast but not timed.
    expect(body).toMatch(/^concord_edit_broadcast_delay_seconds_count 1$/m);
  });

  it('keeps one registry per instance, so two apps in one process never share counts', async () => {
    const first = new MetricsService();
    const second = new MetricsService();
    serve(first, { method: 'GET', route: '/api/health', status: 200 });
    expect((await first.exposition()).body).toContain('route="/api/health"');
    expect((await second.exposition()).body).not.toContain('route="/api/health"');
  });
});
