// Hostile use of HTTP itself, on both databases: bodies whose Content-Encoding does not decode,
// bodies that are not JSON, an Expect the server does not know, a chunked body with a broken
// chunk. Each gets a 4xx problem+json, never a 5xx, an empty answer or a silently closed socket.
import { connect } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { AuthResponse, ConcordDocument } from '@concord/shared';
import { describeE2E, type HttpClient, useSuiteServer } from '../support';
import { rawHttp, type RawResponse } from './hostile.helpers';

jest.setTimeout(60_000);

interface World {
  url: string;
  api: HttpClient;
  alice: AuthResponse;
  doc: ConcordDocument;
}

interface ProtocolCase {
  name: string;
  method: string;
  /** `:id` stands for alice's document. */
  path: string;
  /** Sent as they are, with alice's token and the If-Match of her document added. */
  headers: Record<string, string>;
  body: Buffer;
  status: number;
  code: string;
  detail: RegExp;
}

const DOCUMENT = Buffer.from(JSON.stringify({ title: 'x' }));
const CREDENTIALS = Buffer.from(JSON.stringify({ username: 'nobody-at-all', password: 'not the password' }));
const JSON_TYPE = { 'content-type': 'application/json' };

const undecodable = (
  method: string,
  path: string,
  encoding: string,
  body: Buffer,
  what: string,
): ProtocolCase => ({
  name: `${method} ${path}, Content-Encoding: ${encoding}, ${what}`,
  method,
  path,
  headers: { ...JSON_TYPE, 'content-encoding': encoding },
  body,
  status: 400,
  code: 'bad_request',
  detail: /^The request body could not be decoded as its Content-Encoding "(gzip|deflate|br)" says: .+\.$/,
});

const notJson = (
  method: string,
  path: string,
  contentType: string | undefined,
  body = DOCUMENT,
): ProtocolCase => ({
  name: `${method} ${path}, ${contentType ?? 'no Content-Type'}`,
  method,
  path,
  headers: contentType === undefined ? {} : { 'content-type': contentType },
  body,
  status: 415,
  code: 'unsupported_media_type',
  detail: /^The request body must be application\/json \(got .+\)\.$/,
});

const refusedEncoding = (headers: Record<string, string>, detail: RegExp): ProtocolCase => ({
  name: `POST /api/documents, ${Object.values(headers).join(', ')}`,
  method: 'POST',
  path: '/api/documents',
  headers,
  body: DOCUMENT,
  status: 415,
  code: 'unsupported_media_type',
  detail,
});

const CASES: ProtocolCase[] = [
  undecodable('POST', '/api/documents', 'gzip', Buffer.from('not gzip'), 'not gzip'),
  undecodable('POST', '/api/documents', 'deflate', Buffer.from('not deflate'), 'not deflate'),
  undecodable('POST', '/api/documents', 'br', Buffer.from('not brotli'), 'not brotli'),
  undecodable('POST', '/api/documents', 'gzip', gzipSync(DOCUMENT).subarray(0, 12), 'truncated'),
  undecodable('PUT', '/api/documents/:id', 'gzip', Buffer.from('not gzip'), 'not gzip'),
  undecodable('POST', '/api/auth/login', 'gzip', Buffer.from('not gzip'), 'not gzip'),
  undecodable('POST', '/api/auth/login', 'br', brotliCompressSync(CREDENTIALS).subarray(0, 5), 'truncated'),
  notJson('POST', '/api/documents', 'text/plain'),
  notJson('POST', '/api/documents', undefined),
  notJson('POST', '/api/documents', 'application/x-www-form-urlencoded', Buffer.from('title=x')),
  notJson('POST', '/api/documents', 'application/merge-patch+json'),
  notJson('POST', '/api/documents', 'application/vnd.api+json'),
  notJson('PUT', '/api/documents/:id', 'text/plain'),
  notJson('PATCH', '/api/documents/:id', 'text/plain'),
  notJson('POST', '/api/auth/register', 'text/plain', CREDENTIALS),
  notJson('POST', '/api/auth/login', undefined, CREDENTIALS),
  refusedEncoding({ 'content-type': 'application/json; charset=latin1' }, /charset "LATIN1"/),
  refusedEncoding({ ...JSON_TYPE, 'content-encoding': 'compress' }, /content encoding "compress"/),
];

function expectProblem(response: RawResponse, status: number, code: string): Record<string, unknown> {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
    instance: expect.any(String),
    requestId: expect.any(String),
  });
  return body;
}

/** Writes exactly these bytes on a fresh connection; resolves to all the server wrote before it closed. */
function rawSocketExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(10_000, () =>
      socket.destroy(new Error(`no close within 10 s; got ${JSON.stringify(received)}`)),
    );
  });
}

describeE2E('hostile HTTP: encodings, media types, expectations and chunks get a 4xx problem+json', () => {
  const suite = useSuiteServer({ users: 1 });
  const w = {} as World;

  beforeAll(async () => {
    w.url = suite.url;
    w.api = suite.api;
    [w.alice] = suite.users;
    const created = await w.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: w.alice.token,
      body: { title: 'Target', content: 'unchanged\n' },
    });
    w.doc = created.body;
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await rawHttp(w.url, c.path.replace(':id', w.doc.id), {
      method: c.method,
      headers: { ...c.headers, authorization: `Bearer ${w.alice.token}`, 'if-match': w.doc.etag },
      body: c.body,
    });
    const body = expectProblem(response, c.status, c.code);
    expect(body['detail']).toMatch(c.detail);
  });

  it('refuses a body on a bodyless POST with 415, and still serves no body, JSON with a charset and gzipped JSON', async () => {
    const json = await rawHttp(w.url, '/api/documents', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.alice.token}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: DOCUMENT,
    });
    expect(json.status).toBe(201);
    const created = JSON.parse(json.text) as ConcordDocument;
    const withText = await rawHttp(w.url, `/api/documents/${created.id}/archive`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.alice.token}`,
        'if-match': created.etag,
        'content-type': 'text/plain',
      },
      body: Buffer.from('please'),
    });
    expectProblem(withText, 415, 'unsupported_media_type');
    // fetch sends a bodyless POST with Content-Length: 0 and no Content-Type.
    const archived = await w.api(`/api/documents/${created.id}/archive`, {
      method: 'POST',
      token: w.alice.token,
      headers: { 'if-match': created.etag },
    });
    expect(archived.status).toBe(200);
    const gzipped = await rawHttp(w.url, '/api/documents', {
      method: 'POST',
      headers: { authorization: `Bearer ${w.alice.token}`, ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: gzipSync(DOCUMENT),
    });
    expect(gzipped.status).toBe(201);
  });

  it('answers an Expect other than 100-continue with 417 problem+json; 100-continue still goes through', async () => {
    const refused = await rawHttp(w.url, '/api/documents', {
      method: 'POST',
      headers: { authorization: `Bearer ${w.alice.token}`, ...JSON_TYPE, expect: 'weird' },
      body: DOCUMENT,
    });
    const problem = expectProblem(refused, 417, 'expectation_failed');
    expect(problem).toMatchObject({ title: 'Expectation failed', instance: '/api/documents' });
    const continued = await rawHttp(w.url, '/api/documents', {
      method: 'POST',
      headers: { authorization: `Bearer ${w.alice.token}`, ...JSON_TYPE, expect: '100-continue' },
      body: DOCUMENT,
    });
    expect(continued.status).toBe(201);
  });

  it('answers a chunked body with an invalid chunk size with one 400 problem+json, then closes; the server stays healthy', async () => {
    const received = await rawSocketExchange(
      w.url,
      'POST /api/documents HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${w.alice.token}\r\nContent-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
    );
    expect(received.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    const [head = '', body = ''] = received.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(head.toLowerCase()).toContain('connection: close');
    const problem = JSON.parse(body) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 400, code: 'bad_request', instance: '/api/documents' });
    expect(head.toLowerCase()).toContain(`x-request-id: ${String(problem['requestId'])}`);
    expect((await w.api('/api/health')).status).toBe(200);
    // Nothing hostile was applied.
    const target = await w.api<ConcordDocument>(`/api/documents/${w.doc.id}`, { token: w.alice.token });
    expect(target.body).toMatchObject({ version: 1, title: 'Target', content: 'unchanged\n' });
  });
});
