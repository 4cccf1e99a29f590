// Observability (issue 6): /api/metrics, /api/openapi.json + /api/docs, request ids and what the logs may hold.
import { type AuthResponse, type ConcordDocument, makePatch } from '@concord/shared';
import {
  createTestDatabase,
  describeE2E,
  http,
  type HttpClient,
  registerUser,
  spawnServer,
  startTestServer,
  type TestServer,
} from '../support';
import { openApiViolation } from '../support/openapi-conformance';
import { createDocument, putDocument } from './documents.helpers';
import { closeAllClients, connectClient, send } from './realtime.helpers';

/** The value of one sample (`name{labels} value`) in a Prometheus exposition, or undefined. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

/** Every route CONTRACT §1–2 names, in OpenAPI path syntax. */
const CONTRACT_ROUTES: Array<[string, string]> = [
  ['post', '/api/auth/register'],
  ['post', '/api/auth/login'],
  ['get', '/api/auth/me'],
  ['get', '/api/health'],
  ['post', '/api/documents'],
  ['get', '/api/documents'],
  ['get', '/api/documents/{id}'],
  ['put', '/api/documents/{id}'],
  ['patch', '/api/documents/{id}'],
  ['delete', '/api/documents/{id}'],
  ['get', '/api/documents/{id}/versions'],
  ['get', '/api/documents/{id}/versions/{v}'],
  ['get', '/api/documents/{id}/changes'],
  ['get', '/api/documents/{id}/drafts'],
  ['post', '/api/documents/{id}/archive'],
  ['post', '/api/documents/{id}/restore'],
  ['post', '/api/documents/{id}/members'],
];

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<
          string,
          { content?: Record<string, { schema: { $ref?: string; anyOf?: Array<{ $ref?: string }> } }> }
        >;
      }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

/** The routes the express app really serves (Nest registers each controller route on the router). */
function servedRoutes(server: TestServer): Array<[string, string]> {
  const instance = server.app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  return instance.router.stack.flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods).map((method): [string, string] => [
          method,
          layer.route?.path.replace(/:(\w+)/g, '{$1}') ?? '',
        ]),
  );
}

describeE2E('observability (issue 6: metrics, OpenAPI, request ids)', () => {
  let server: TestServer;
  let api: HttpClient;
  let alice: AuthResponse;

  beforeAll(async () => {
    server = await startTestServer();
    api = http(server.url);
    alice = await registerUser(server.url);
  }, 120_000);
  afterEach(() => closeAllClients());
  afterAll(() => server?.close(), 60_000);

  const scrape = async (): Promise<string> => {
    const response = await api('/api/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text;
  };

  it('counts a stale-write 409 by route pattern and problem code, and the request by route and status', async () => {
    const document = await createDocument(api, alice.token, { title: 'metrics', content: 'v1' });
    await putDocument(api, alice.token, document, 'v2');
    const before = await scrape();
    const stale = await api(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: alice.token,
      headers: { 'if-match': document.etag },
      body: { content: 'stale' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'stale_version' });

    const after = await scrape();
    const conflicts = { method: 'PUT', route: '/api/documents/:id', code: 'stale_version' };
    expect(sample(after, 'concord_http_conflicts_total', conflicts)).toBe(
      (sample(before, 'concord_http_conflicts_total', conflicts) ?? 0) + 1,
    );
    expect(
      sample(after, 'concord_http_requests_total', {
        method: 'PUT',
        route: '/api/documents/:id',
        status: '409',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'concord_http_requests_total', {
        method: 'PUT',
        route: '/api/documents/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'concord_write_duration_seconds_count', {
        route: 'PUT /api/documents/:id',
        outcome: '409',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Route patterns, never raw paths: no document id may become a label value.
    expect(after).not.toContain(document.id);
  });

  it('labels other 409 codes apart (slug_taken on POST /api/documents)', async () => {
    await createDocument(api, alice.token, { title: 'slugged', slug: `slug-${Date.now()}` });
    const list = await api<{ items: ConcordDocument[] }>('/api/documents?limit=1', { token: alice.token });
    const taken = await api('/api/documents', {
      method: 'POST',
      token: alice.token,
      body: { title: 'again', slug: list.body.items[0]?.slug },
    });
    expect(taken.status).toBe(409);
    const after = await scrape();
    expect(
      sample(after, 'concord_http_conflicts_total', {
        method: 'POST',
        route: '/api/documents',
        code: 'slug_taken',
      }),
    ).toBe(1);
  });

  it('puts unmatched paths under one label instead of their raw path', async () => {
    const missing = await api('/api/no-such-route/12345', { token: alice.token });
    expect(missing.status).toBe(404);
    const after = await scrape();
    expect(
      sample(after, 'concord_http_requests_total', { route: '<unmatched>', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain('no-such-route');
  });

  it('reports open sockets, rooms, socket writes, broadcasts, merges and the database pool', async () => {
    const document = await createDocument(api, alice.token, { title: 'live', content: 'one\ntwo\nthree\n' });
    const writer = await connectClient(server.url, alice.token);
    const watcher = await connectClient(server.url, alice.token);
    expect(await send(writer, 'join', { documentId: document.id })).toMatchObject({ ok: true });
    expect(await send(watcher, 'join', { documentId: document.id })).toMatchObject({ ok: true });
    const during = await scrape();
    expect(sample(during, 'concord_open_sockets')).toBeGreaterThanOrEqual(2);
    expect(sample(during, 'concord_open_rooms')).toBeGreaterThanOrEqual(1);

    // A fresh edit, then a stale one that the server merges cleanly (merge: true).
    const base = 'one\ntwo\nthree\n';
    const first = await send(writer, 'edit', {
      documentId: document.id,
      baseVersion: 1,
      patch: makePatch(base, 'ONE\ntwo\nthree\n'),
      merge: true,
    });
    expect(first).toMatchObject({ ok: true, version: 2 });
    const merged = await send(writer, 'edit', {
      documentId: document.id,
      baseVersion: 1,
      patch: makePatch(base, 'one\ntwo\nthree!\n'),
      merge: true,
    });
    expect(merged).toMatchObject({ ok: true, version: 3, merged: true });

    const after = await scrape();
    expect(
      sample(after, 'concord_merge_duration_seconds_count', { outcome: 'clean' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'concord_write_duration_seconds_count', { route: 'socket:edit', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'concord_edit_broadcasts_total')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'concord_edit_broadcast_delay_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'concord_socket_connections_total')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'concord_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'concord_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves /api/openapi.json with every contract route and the 409 / 428 problem bodies from the shared schemas', async () => {
    const response = await api<OpenApiDocument>('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toMatch(/^3\.1\./);
    for (const [method, path] of CONTRACT_ROUTES) {
      expect({ route: `${method} ${path}`, described: document.paths[path]?.[method] !== undefined }).toEqual(
        { route: `${method} ${path}`, described: true },
      );
    }
    const put = document.paths['/api/documents/{id}']?.put;
    expect(put?.responses['409']?.content?.['application/problem+json']?.schema.anyOf).toContainEqual({
      $ref: '#/components/schemas/StaleVersionProblem',
    });
    expect(put?.responses['428']?.content?.['application/problem+json']?.schema.$ref).toBe(
      '#/components/schemas/PreconditionRequiredProblem',
    );
    const stale = document.components.schemas.StaleVersionProblem;
    expect(Object.keys(stale?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'type',
        'title',
        'status',
        'detail',
        'code',
        'yourVersion',
        'current',
        'merge',
      ]),
    );
    expect(stale?.required).toEqual(expect.arrayContaining(['code', 'current', 'yourVersion']));
    expect(document.components.schemas.PreconditionRequiredProblem?.required).toContain('etag');
    // Request bodies come from the validation schemas: PUT's unknown fields are refused there too.
    expect(document.components.schemas.PutDocumentRequest).toMatchObject({
      required: ['content'],
      additionalProperties: false,
    });
  });

  it('describes every /api route the app serves (the hand-written route table cannot drift)', async () => {
    const response = await api<OpenApiDocument>('/api/openapi.json');
    const served = servedRoutes(server).filter(
      ([, path]) => path.startsWith('/api/') && !/^\/api\/(docs|openapi)/.test(path),
    );
    expect(served.length).toBeGreaterThanOrEqual(CONTRACT_ROUTES.length);
    const undescribed = served.filter(([method, path]) => response.body.paths[path]?.[method] === undefined);
    expect(undescribed).toEqual([]);
  });

  it('holds answers against the description: an undeclared status, a wrong media type or a body off its schema is a violation', () => {
    const document = new URL('http://concord.test/api/documents/6f1c1d52-4b1e-4f4e-9a51-7d7d2e0d3a10');
    const problem = {
      type: 'about:blank',
      title: 'Gone',
      status: 418,
      detail: 'x',
      instance: '/x',
      code: 'not_found',
    };
    expect(openApiViolation('GET', document, 418, 'application/problem+json', problem)).toMatch(
      /status not declared/,
    );
    expect(openApiViolation('GET', document, 404, 'text/html', '<p>')).toMatch(/answered text\/html/);
    expect(openApiViolation('GET', document, 200, 'application/json', { id: 'x' })).toMatch(
      /does not match the published schema/,
    );
    expect(
      openApiViolation('PUT', new URL('http://concord.test/api/nowhere'), 200, 'application/json', {}),
    ).toMatch(/not answered 404/);
    expect(
      openApiViolation('GET', document, 404, 'application/problem+json; charset=utf-8', {
        ...problem,
        status: 404,
      }),
    ).toBeUndefined();
    expect(
      openApiViolation('GET', new URL('http://concord.test/d/x'), 200, 'text/html', '<p>'),
    ).toBeUndefined();
  });

  it('serves the Swagger UI at /api/docs', async () => {
    const response = await api('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.text).toContain('swagger-ui');
  });

  it('gives a 409 problem the same request id in its body and its X-Request-Id header', async () => {
    const document = await createDocument(api, alice.token, { title: 'rid', content: 'a' });
    await putDocument(api, alice.token, document, 'b');
    const stale = await api(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: alice.token,
      headers: { 'if-match': document.etag, 'x-request-id': 'obs-409-check' },
      body: { content: 'c' },
    });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('x-request-id')).toBe('obs-409-check');
    expect(stale.body).toMatchObject({ requestId: 'obs-409-check' });
  });
});

describeE2E('observability: structured logs of the built server', () => {
  // spawnServer fails with a clear message when the server is not built (npm test builds first).
  it('logs JSON lines with the request id and never a password, a token or a document body', async () => {
    const database = await createTestDatabase();
    const server = await spawnServer({ env: { ...database.env, LOG_LEVEL: 'info' } });
    try {
      const password = 'correct horse battery';
      const secretContent = 'SECRET-BODY-do-not-log-7f3a';
      const registered = await registerUser(server.url);
      const api = http(server.url);
      await api('/api/auth/login', {
        method: 'POST',
        body: { username: registered.user.username, password },
      });
      const created = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: registered.token,
        headers: { 'x-request-id': 'log-check-1' },
        body: { title: 'log', content: secretContent },
      });
      expect(created.status).toBe(201);
      await api(`/api/documents/${created.body.id}`, {
        method: 'PUT',
        token: registered.token,
        headers: { 'if-match': '"stale"' },
        body: { content: secretContent },
      });
      // pino writes asynchronously; give it a moment to flush.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const output = server.output();
      const lines = output.split('\n').filter((line) => line.startsWith('{'));
      const requestLines = lines
        .map((line) => JSON.parse(line) as { req?: { id?: string } })
        .filter((entry) => entry.req !== undefined);
      expect(requestLines.some((entry) => entry.req?.id === 'log-check-1')).toBe(true);
      expect(
        requestLines.every((entry) => typeof entry.req?.id === 'string' && entry.req.id.length > 0),
      ).toBe(true);
      expect(output).not.toContain(password);
      expect(output).not.toContain(registered.token);
      expect(output).not.toContain(secretContent);
    } finally {
      await server.stop();
      await database.drop();
    }
  }, 120_000);
});
