// Hostile input, table-driven, over HTTP and the socket, on both databases: every case gets its
// contract status (4xx problem+json, or an error ack / refused handshake), and afterwards the
// server is healthy, no stored document holds text it may not store, and every acknowledged
// write is still there.
import type { AuthResponse, ConcordDocument, EditAck, JoinAck } from '@concord/shared';
import { makePatch } from '@concord/shared';
import { describeE2E, type HttpClient, type HttpResponse, useSuiteServer } from '../support';
import { forgeToken, isStorableText, rawHttp, unstorableDocuments } from './hostile.helpers';
import { closeAllClients, type ClientSocket, connectClient } from './realtime.helpers';

jest.setTimeout(120_000);

/** Small, so oversize cases are cheap: documents of 64 KiB, socket frames of 6 × that + 64 KiB. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const MAX_FRAME_BYTES = 6 * MAX_DOCUMENT_BYTES + 64 * 1024;
const NIL_UUID = '00000000-0000-4000-8000-000000000000';

interface World {
  url: string;
  api: HttpClient;
  alice: AuthResponse;
  viewer: AuthResponse;
  outsider: AuthResponse;
  /** A token whose user deleted their account (DELETE /api/auth/me). */
  deletedToken: string;
  /** Alice's document; the viewer may read it, the outsider not. */
  doc: ConcordDocument;
  /** A document holding an emoji, for the surrogate cases. */
  emojiDoc: ConcordDocument;
}

interface HttpCase {
  name: string;
  send: (w: World) => Promise<{ status: number; headers: Headers | Record<string, unknown>; body: unknown }>;
  status: number;
  /** The problem code; undefined when only the status is pinned (e.g. one of several honest codes). */
  code?: string | string[];
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** A raw answer in the shape the table checks, parsed when it is JSON. */
async function raw(w: World, path: string, options: Parameters<typeof rawHttp>[2]): Promise<HttpResponse> {
  const response = await rawHttp(w.url, path, options);
  const contentType = String(response.headers['content-type'] ?? '');
  const body: unknown =
    /json/.test(contentType) && response.text.length > 0 ? JSON.parse(response.text) : response.text;
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers))
    if (typeof value === 'string') headers.set(name, value);
  return { status: response.status, headers, body: body as never, text: response.text };
}

/** PUT /api/documents/:id (`id` as it goes into the path) with these headers, as alice by default. */
function putTo(w: World, id: string, headers: Record<string, string>, content = 'x', token = w.alice.token) {
  return w.api(`/api/documents/${id}`, { method: 'PUT', token, headers, body: { content } });
}

/** PUT of alice's document with this If-Match (none when undefined). */
function put(w: World, ifMatch: string | undefined, content = 'overwritten?\n', token = w.alice.token) {
  return putTo(w, w.doc.id, ifMatch === undefined ? {} : { 'if-match': ifMatch }, content, token);
}

/** POST /api/documents as alice with these raw bytes as a JSON body (what `api` cannot send). */
function rawCreate(w: World, body: Buffer) {
  return raw(w, '/api/documents', {
    method: 'POST',
    headers: { ...auth(w.alice.token), 'content-type': 'application/json' },
    body,
  });
}

/** PUT of alice's document, If-Match current, with these raw bytes as a JSON body. */
function rawPut(w: World, body: Buffer) {
  return raw(w, `/api/documents/${w.doc.id}`, {
    method: 'PUT',
    headers: { ...auth(w.alice.token), 'content-type': 'application/json', 'if-match': w.doc.etag },
    body,
  });
}

function patch(w: World, document: ConcordDocument, patchText: string, token = w.alice.token) {
  return w.api(`/api/documents/${document.id}`, {
    method: 'PATCH',
    token,
    headers: { 'if-match': document.etag },
    body: { patch: patchText },
  });
}

const A_WEEK_AGO = Math.floor(Date.now() / 1000) - 7 * 86_400;

const HTTP_CASES: HttpCase[] = [
  // Bodies.
  {
    name: 'malformed JSON',
    status: 400,
    code: 'malformed_json',
    send: (w) => rawCreate(w, Buffer.from('{"title": "x",')),
  },
  {
    name: 'JSON with a trailing garbage byte',
    status: 400,
    code: 'malformed_json',
    send: (w) => rawCreate(w, Buffer.from('{"title": "x"}}')),
  },
  {
    name: 'invalid UTF-8 in the body',
    status: 400,
    code: 'bad_request',
    send: (w) =>
      rawCreate(
        w,
        Buffer.concat([Buffer.from('{"title": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
      ),
  },
  {
    name: 'content larger than MAX_DOCUMENT_BYTES',
    status: 413,
    code: 'payload_too_large',
    send: (w) => put(w, w.doc.etag, 'x'.repeat(MAX_DOCUMENT_BYTES + 1)),
  },
  {
    name: 'content just over the limit in multi-byte characters',
    status: 413,
    code: 'payload_too_large',
    send: (w) => put(w, w.doc.etag, 'é'.repeat(MAX_DOCUMENT_BYTES / 2 + 1)),
  },
  {
    name: 'a body over the JSON body limit',
    status: 413,
    code: 'payload_too_large',
    send: (w) => rawPut(w, json({ content: 'y'.repeat(MAX_DOCUMENT_BYTES * 7) })),
  },
  {
    name: 'a NUL byte in the content',
    status: 422,
    code: 'validation_failed',
    send: (w) => put(w, w.doc.etag, 'a\u0000b'),
  },
  {
    name: 'a NUL byte in the title',
    status: 422,
    code: 'validation_failed',
    send: (w) =>
      w.api('/api/documents', { method: 'POST', token: w.alice.token, body: { title: 'bad\u0000title' } }),
  },
  {
    name: 'a lone high surrogate in the content (JSON \\ud83d)',
    status: 422,
    code: 'validation_failed',
    send: (w) => rawPut(w, Buffer.from('{"content": "half \\ud83d here"}')),
  },
  {
    name: 'a lone low surrogate in the title',
    status: 422,
    code: 'validation_failed',
    send: (w) => rawCreate(w, Buffer.from('{"title": "\\ude00"}')),
  },
  {
    name: 'an unknown field',
    status: 422,
    code: 'validation_failed',
    send: (w) =>
      w.api('/api/documents', { method: 'POST', token: w.alice.token, body: { title: 'x', owner: 'me' } }),
  },
  {
    name: 'a __proto__ member',
    status: 422,
    code: 'validation_failed',
    send: (w) => rawCreate(w, Buffer.from('{"title": "x", "__proto__": {"admin": true}}')),
  },
  {
    name: 'content of the wrong type',
    status: 422,
    code: 'validation_failed',
    send: (w) => put(w, w.doc.etag, 42 as unknown as string),
  },
  {
    name: 'a JSON array instead of an object',
    status: 422,
    code: 'validation_failed',
    send: (w) => w.api('/api/documents', { method: 'POST', token: w.alice.token, body: [{ title: 'x' }] }),
  },
  {
    name: 'JSON nested 5,000 levels deep',
    status: 422,
    code: 'validation_failed',
    send: (w) => rawCreate(w, Buffer.from(`{"title": ${'['.repeat(5000)}${']'.repeat(5000)}}`)),
  },
  {
    name: 'an SQL-looking slug',
    status: 422,
    code: 'validation_failed',
    send: (w) =>
      w.api('/api/documents', {
        method: 'POST',
        token: w.alice.token,
        body: { title: 'x', slug: "x'; DROP TABLE documents;--" },
      }),
  },
  // Patches.
  // One code for both patch failures (the documents module's choice; `reason` tells them apart).
  {
    name: 'unparseable patch text',
    status: 422,
    code: 'patch_does_not_apply',
    send: (w) => patch(w, w.doc, 'this is not a patch'),
  },
  {
    name: 'a patch hunk with bad %-escapes',
    status: 422,
    code: 'patch_does_not_apply',
    send: (w) => patch(w, w.doc, '@@ -1,3 +1,3 @@\n-%ZZ\n+x\n'),
  },
  {
    name: 'a patch that does not apply',
    status: 422,
    code: 'patch_does_not_apply',
    send: (w) => patch(w, w.doc, makePatch('nothing like the document', 'nothing like it at all')),
  },
  {
    name: 'a patch deleting half of an emoji',
    status: 422,
    code: 'validation_failed',
    send: (w) =>
      patch(w, w.emojiDoc, makePatch(w.emojiDoc.content, w.emojiDoc.content.replace('\ud83d', ''))),
  },
  {
    name: 'an emoji split across two patch hunks',
    status: 422,
    code: 'validation_failed',
    send: (w) =>
      patch(
        w,
        w.emojiDoc,
        makePatch(
          w.emojiDoc.content,
          w.emojiDoc.content.replace('start', 'start\ud83d').replace('end', '\ude00end'),
        ),
      ),
  },
  {
    name: 'a patch inserting a NUL',
    status: 422,
    code: 'validation_failed',
    send: (w) => patch(w, w.doc, makePatch(w.doc.content, `${w.doc.content}\u0000`)),
  },
  // Preconditions.
  {
    name: 'no If-Match and no If-Unmodified-Since',
    status: 428,
    code: 'precondition_required',
    send: (w) => put(w, undefined),
  },
  {
    name: 'an unquoted If-Match',
    status: 400,
    code: 'malformed_precondition',
    send: (w) => put(w, w.doc.etag.replace(/"/g, '')),
  },
  {
    name: 'an unterminated If-Match',
    status: 400,
    code: 'malformed_precondition',
    send: (w) => put(w, w.doc.etag.slice(0, -1)),
  },
  { name: 'an empty If-Match', status: 400, code: 'malformed_precondition', send: (w) => put(w, '') },
  {
    name: 'a weak If-Match of the current version',
    status: 409,
    code: 'stale_version',
    send: (w) => put(w, `W/${w.doc.etag}`),
  },
  {
    name: 'an If-Match list naming no current tag',
    status: 409,
    code: 'stale_version',
    send: (w) => put(w, '"nope", "nada"'),
  },
  {
    name: 'If-Match: * on a missing document',
    status: 404,
    code: 'not_found',
    send: (w) => putTo(w, NIL_UUID, { 'if-match': '*' }),
  },
  {
    name: 'a garbage If-Unmodified-Since',
    status: 400,
    code: 'malformed_precondition',
    send: (w) => putTo(w, w.doc.id, { 'if-unmodified-since': 'yesterday-ish' }),
  },
  // Ids and query strings.
  {
    name: 'an SQL-looking id',
    status: 404,
    code: 'not_found',
    send: (w) => w.api(`/api/documents/${encodeURIComponent("1' OR '1'='1")}`, { token: w.alice.token }),
  },
  {
    name: 'an SQL-looking id on a write',
    status: 404,
    code: 'not_found',
    send: (w) => putTo(w, encodeURIComponent("x'; DELETE FROM documents;--"), { 'if-match': '*' }),
  },
  {
    name: 'a path-traversal id',
    status: 404,
    code: 'not_found',
    send: (w) => w.api('/api/documents/..%2F..%2F..%2Fetc%2Fpasswd', { token: w.alice.token }),
  },
  {
    name: 'a malformed percent-encoded id',
    status: 404,
    code: 'not_found',
    send: (w) => raw(w, '/api/documents/%E0%A4%A', { headers: auth(w.alice.token) }),
  },
  {
    name: 'a NUL in the id',
    status: 404,
    code: 'not_found',
    send: (w) => w.api('/api/documents/%00', { token: w.alice.token }),
  },
  {
    name: 'a non-numeric version',
    status: 404,
    code: 'not_found',
    send: (w) => w.api(`/api/documents/${w.doc.id}/versions/1%20OR%201=1`, { token: w.alice.token }),
  },
  {
    name: 'a non-numeric since',
    status: 422,
    code: 'validation_failed',
    send: (w) => w.api(`/api/documents/${w.doc.id}/changes?since=-1`, { token: w.alice.token }),
  },
  {
    name: 'a negative list limit',
    status: 422,
    code: 'validation_failed',
    send: (w) => w.api('/api/documents?limit=-5', { token: w.alice.token }),
  },
  {
    name: 'an Idempotency-Key of 10,000 characters',
    status: 400,
    code: 'bad_request',
    send: (w) =>
      w.api('/api/documents', {
        method: 'POST',
        token: w.alice.token,
        headers: { 'idempotency-key': 'k'.repeat(10_000) },
        body: { title: 'x' },
      }),
  },
  // Headers.
  {
    name: 'a 64 KiB header (Node refuses it before any route; the clientError hook answers)',
    status: 431,
    code: 'headers_too_large',
    send: (w) => raw(w, '/api/health', { headers: { 'x-junk': 'j'.repeat(64 * 1024) } }),
  },
  {
    name: 'an 8 KiB bearer token',
    status: 401,
    code: 'unauthorized',
    send: (w) => w.api('/api/auth/me', { token: 'a'.repeat(8 * 1024) }),
  },
  // Tokens.
  { name: 'no token', status: 401, code: 'unauthorized', send: (w) => w.api('/api/auth/me') },
  {
    name: 'a Basic instead of a Bearer scheme',
    status: 401,
    code: 'unauthorized',
    send: (w) => w.api('/api/auth/me', { headers: { authorization: 'Basic YWxpY2U6cGFzcw==' } }),
  },
  {
    name: 'an expired token',
    status: 401,
    code: 'unauthorized',
    send: (w) =>
      w.api('/api/auth/me', {
        token: forgeToken({
          sub: w.alice.user.id,
          username: w.alice.user.username,
          iat: A_WEEK_AGO,
          exp: A_WEEK_AGO + 60,
        }),
      }),
  },
  {
    name: 'a token signed with the wrong secret',
    status: 401,
    code: 'unauthorized',
    send: (w) =>
      w.api('/api/auth/me', {
        token: forgeToken(
          { sub: w.alice.user.id, username: w.alice.user.username },
          'not-the-secret-not-the-secret-not-the-secret',
        ),
      }),
  },
  {
    name: 'an alg: none token',
    status: 401,
    code: 'unauthorized',
    send: (w) =>
      w.api('/api/auth/me', {
        token: forgeToken({ sub: w.alice.user.id, username: w.alice.user.username }, null),
      }),
  },
  {
    name: 'a validly signed token without exp (it would never expire)',
    status: 401,
    code: 'unauthorized',
    send: (w) =>
      w.api('/api/auth/me', { token: forgeToken({ sub: w.alice.user.id, username: w.alice.user.username }) }),
  },
  {
    name: 'a validly signed token with an SQL-looking subject',
    status: 401,
    code: 'unauthorized',
    send: (w) => w.api('/api/auth/me', { token: forgeToken({ sub: "' OR 1=1 --", username: 'x' }) }),
  },
  {
    name: 'a token of a deleted user',
    status: 401,
    code: 'unauthorized',
    send: (w) => w.api('/api/auth/me', { token: w.deletedToken }),
  },
  {
    name: 'a token of a deleted user, on a write',
    status: 401,
    code: 'unauthorized',
    send: (w) => w.api('/api/documents', { method: 'POST', token: w.deletedToken, body: { title: 'ghost' } }),
  },
  // Access.
  {
    name: 'an outsider reading a document',
    status: 404,
    code: 'not_found',
    send: (w) => w.api(`/api/documents/${w.doc.id}`, { token: w.outsider.token }),
  },
  {
    name: 'an outsider overwriting with If-Match: *',
    status: 404,
    code: 'not_found',
    send: (w) => put(w, '*', 'mine now', w.outsider.token),
  },
  {
    name: 'a viewer writing',
    status: 403,
    code: 'forbidden',
    send: (w) => put(w, w.doc.etag, 'viewer was here', w.viewer.token),
  },
  {
    name: 'a viewer patching',
    status: 403,
    code: 'forbidden',
    send: (w) => patch(w, w.doc, makePatch(w.doc.content, 'viewer'), w.viewer.token),
  },
  {
    name: 'a viewer adding members',
    status: 403,
    code: 'forbidden',
    send: (w) =>
      w.api(`/api/documents/${w.doc.id}/members`, {
        method: 'POST',
        token: w.viewer.token,
        body: { username: w.outsider.user.username, role: 'editor' },
      }),
  },
];

interface SocketCase {
  name: string;
  run: (w: World) => Promise<{ status: number; code: string } | { refused: string }>;
  expected: { status: number; code?: string | string[] } | { refused: string };
}

async function refusal(w: World, token: string | undefined): Promise<{ refused: string }> {
  try {
    const socket = await connectClient(w.url, token);
    socket.close();
    return { refused: 'accepted' };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

async function ackOf(
  w: World,
  token: string,
  event: 'join' | 'edit' | 'cursor' | 'shutdown',
  payload: unknown,
): Promise<{ status: number; code: string }> {
  const socket = await connectClient(w.url, token);
  try {
    const emit = socket.timeout(10_000).emitWithAck as (
      event: string,
      payload: unknown,
    ) => Promise<JoinAck | EditAck>;
    const ack = await emit.call(socket.timeout(10_000), event, payload);
    return ack.ok ? { status: 200, code: 'ok' } : { status: ack.error.status, code: ack.error.code };
  } finally {
    socket.close();
  }
}

const edit = (document: ConcordDocument, patchText: string, extra: object = {}) => ({
  documentId: document.id,
  baseVersion: document.version,
  patch: patchText,
  ...extra,
});

const SOCKET_CASES: SocketCase[] = [
  {
    name: 'a handshake without a token',
    expected: { refused: 'unauthorized' },
    run: (w) => refusal(w, undefined),
  },
  {
    name: 'a handshake with an expired token',
    expected: { refused: 'unauthorized' },
    run: (w) =>
      refusal(w, forgeToken({ sub: w.alice.user.id, username: 'a', iat: A_WEEK_AGO, exp: A_WEEK_AGO + 60 })),
  },
  {
    name: 'a handshake with an alg: none token',
    expected: { refused: 'unauthorized' },
    run: (w) => refusal(w, forgeToken({ sub: w.alice.user.id, username: 'a' }, null)),
  },
  {
    name: 'a handshake with a wrong-secret token',
    expected: { refused: 'unauthorized' },
    run: (w) => refusal(w, forgeToken({ sub: w.alice.user.id, username: 'a' }, 'x'.repeat(40))),
  },
  {
    name: 'a handshake with a validly signed token without exp (its socket would never be cut)',
    expected: { refused: 'unauthorized' },
    run: (w) => refusal(w, forgeToken({ sub: w.alice.user.id, username: 'a' })),
  },
  {
    name: 'a handshake with a validly signed 256 KiB token (refused unread)',
    expected: { refused: 'unauthorized' },
    run: (w) =>
      refusal(
        w,
        forgeToken({
          sub: w.alice.user.id,
          username: 'a',
          exp: A_WEEK_AGO + 14 * 86_400,
          pad: 'p'.repeat(1 << 18),
        }),
      ),
  },
  {
    name: 'a handshake with a deleted user’s token',
    expected: { refused: 'unauthorized' },
    run: (w) => refusal(w, w.deletedToken),
  },
  {
    name: 'joining a document one may not see',
    expected: { status: 404, code: 'not_found' },
    run: (w) => ackOf(w, w.outsider.token, 'join', { documentId: w.doc.id }),
  },
  {
    name: 'joining an SQL-looking id',
    expected: { status: 404, code: 'not_found' },
    run: (w) => ackOf(w, w.alice.token, 'join', { documentId: "' OR 1=1 --" }),
  },
  {
    name: 'joining with a non-object payload',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) => ackOf(w, w.alice.token, 'join', 'everything'),
  },
  {
    name: 'an edit with an unknown field',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) => ackOf(w, w.alice.token, 'edit', edit(w.doc, makePatch(w.doc.content, 'x'), { admin: true })),
  },
  {
    name: 'a viewer editing',
    expected: { status: 403, code: 'forbidden' },
    run: (w) =>
      ackOf(w, w.viewer.token, 'edit', edit(w.doc, makePatch(w.doc.content, `${w.doc.content}viewer\n`))),
  },
  {
    name: 'an outsider editing',
    expected: { status: 404, code: 'not_found' },
    run: (w) =>
      ackOf(w, w.outsider.token, 'edit', edit(w.doc, makePatch(w.doc.content, `${w.doc.content}outsider\n`))),
  },
  {
    name: 'an edit with unparseable patch text',
    expected: { status: 422, code: 'patch_does_not_apply' },
    run: (w) => ackOf(w, w.alice.token, 'edit', edit(w.doc, '@@ nonsense @@')),
  },
  {
    name: 'an edit whose patch does not apply',
    expected: { status: 422, code: 'patch_does_not_apply' },
    run: (w) =>
      ackOf(
        w,
        w.alice.token,
        'edit',
        edit(w.doc, makePatch('a different text entirely', 'a different text')),
      ),
  },
  {
    name: 'an edit deleting half of an emoji',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) =>
      ackOf(
        w,
        w.alice.token,
        'edit',
        edit(w.emojiDoc, makePatch(w.emojiDoc.content, w.emojiDoc.content.replace('\ude00', ''))),
      ),
  },
  {
    name: 'an edit inserting a NUL',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) =>
      ackOf(w, w.alice.token, 'edit', edit(w.doc, makePatch(w.doc.content, `\u0000${w.doc.content}`))),
  },
  {
    name: 'an edit growing the document past MAX_DOCUMENT_BYTES',
    expected: { status: 413, code: 'payload_too_large' },
    run: (w) =>
      ackOf(
        w,
        w.alice.token,
        'edit',
        edit(w.doc, makePatch(w.doc.content, `${w.doc.content}${'z'.repeat(MAX_DOCUMENT_BYTES)}`)),
      ),
  },
  {
    name: 'an edit against version 0',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) =>
      ackOf(w, w.alice.token, 'edit', { ...edit(w.doc, makePatch(w.doc.content, 'x')), baseVersion: 0 }),
  },
  {
    name: 'an edit with a 10,000-character clientEditId',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) =>
      ackOf(
        w,
        w.alice.token,
        'edit',
        edit(w.doc, makePatch(w.doc.content, 'x'), { clientEditId: 'c'.repeat(10_000) }),
      ),
  },
  {
    name: 'a cursor with a negative position',
    expected: { status: 422, code: 'validation_failed' },
    run: (w) => ackOf(w, w.alice.token, 'cursor', { documentId: w.doc.id, anchor: -1, head: 0 }),
  },
  {
    name: 'an event the server does not know',
    expected: { status: 400, code: 'bad_request' },
    run: (w) => ackOf(w, w.alice.token, 'shutdown', { now: true }),
  },
];

describeE2E('hostile input: every bad request gets its contract status and nothing gets in', () => {
  const suite = useSuiteServer({
    env: { MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES) },
    users: 4,
    beforeClose: closeAllClients,
  });
  const w = {} as World;

  beforeAll(async () => {
    w.url = suite.url;
    w.api = suite.api;
    [w.alice, w.viewer, w.outsider] = suite.users;
    const doomed = suite.users[3];
    const deleted = await w.api(`/api/auth/me`, { method: 'DELETE', token: doomed.token });
    expect(deleted.status).toBe(204);
    w.deletedToken = doomed.token;
    const created = await w.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: w.alice.token,
      body: { title: 'Target', content: 'line one\nline two\n' },
    });
    w.doc = created.body;
    const emoji = await w.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: w.alice.token,
      body: { title: 'Emoji', content: `start ${'-'.repeat(40)} 😀 ${'-'.repeat(40)} end\n` },
    });
    w.emojiDoc = emoji.body;
    const shared = await w.api(`/api/documents/${w.doc.id}/members`, {
      method: 'POST',
      token: w.alice.token,
      body: { username: w.viewer.user.username, role: 'viewer' },
    });
    expect(shared.status).toBe(201);
  });

  it(`has at least 40 cases (${HTTP_CASES.length} HTTP + ${SOCKET_CASES.length} socket + the flood and frame cases)`, () => {
    expect(HTTP_CASES.length + SOCKET_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HTTP_CASES.map((c) => [c.name, c] as const))('HTTP: %s', async (_name, c) => {
    const response = await c.send(w);
    expect(response.status).toBe(c.status);
    const headers = response.headers instanceof Headers ? response.headers : new Headers();
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = response.body as {
      status: number;
      code: string;
      type: string;
      title: string;
      detail: string;
    };
    expect(body).toMatchObject({
      status: c.status,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
      requestId: expect.any(String),
    });
    if (c.code !== undefined) expect(Array.isArray(c.code) ? c.code : [c.code]).toContain(body.code);
  });

  it.each(SOCKET_CASES.map((c) => [c.name, c] as const))('socket: %s', async (_name, c) => {
    const outcome = await c.run(w);
    if ('refused' in c.expected) {
      expect(outcome).toEqual(c.expected);
      return;
    }
    expect('status' in outcome && outcome.status).toBe(c.expected.status);
    if (c.expected.code !== undefined && 'code' in outcome) {
      expect(Array.isArray(c.expected.code) ? c.expected.code : [c.expected.code]).toContain(outcome.code);
    }
  });

  it('socket: an edit replacing a whole maximum-size non-ASCII document by another is acked', async () => {
    // Each text is as long as the limit allows (3 UTF-8 bytes a character); the patch carries both,
    // %-escaped: about six times the document size.
    const before = '中'.repeat(Math.floor(MAX_DOCUMENT_BYTES / 3));
    const after = '文'.repeat(Math.floor(MAX_DOCUMENT_BYTES / 3));
    const created = await w.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: w.alice.token,
      body: { title: 'Whole replacement', content: before },
    });
    const socket = await connectClient(w.url, w.alice.token);
    const ack = (await socket
      .timeout(20_000)
      .emitWithAck('edit', edit(created.body, makePatch(before, after)))) as EditAck;
    expect(ack).toMatchObject({ ok: true, version: 2 });
    const stored = await w.api<ConcordDocument>(`/api/documents/${created.body.id}`, {
      token: w.alice.token,
    });
    expect(stored.body.content).toBe(after);
  });

  it('socket: a frame larger than the message limit closes that connection only', async () => {
    const socket = await connectClient(w.url, w.alice.token);
    const reason = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('edit', edit(w.doc, 'p'.repeat(MAX_FRAME_BYTES + 1024)), () => undefined);
    expect(['transport close', 'transport error']).toContain(await reason);
    const other = await connectClient(w.url, w.alice.token);
    const joined = (await other.timeout(5_000).emitWithAck('join', { documentId: w.doc.id })) as JoinAck;
    expect(joined.ok).toBe(true);
    other.close();
  });

  it('socket: a flood of 1,000 edits in one second is acked every time, mostly 429, and loses nothing it accepted', async () => {
    const flooded = await w.api<ConcordDocument>('/api/documents', {
      method: 'POST',
      token: w.alice.token,
      body: { title: 'Flooded', content: 'x\n' },
    });
    const socket: ClientSocket = await connectClient(w.url, w.alice.token);
    const joined = (await socket
      .timeout(5_000)
      .emitWithAck('join', { documentId: flooded.body.id })) as JoinAck;
    expect(joined.ok).toBe(true);
    const acks: Promise<EditAck>[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      for (let i = 0; i < 100; i += 1) {
        const line = `flood ${batch}-${i}\n`;
        acks.push(
          socket.timeout(20_000).emitWithAck('edit', {
            documentId: flooded.body.id,
            baseVersion: 1,
            patch: makePatch('x\n', `x\n${line}`),
            merge: true,
            clientEditId: line.trim(),
          }) as Promise<EditAck>,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const answers = await Promise.all(acks);
    const accepted = answers.filter((answer) => answer.ok);
    const statuses = answers.map((answer) => (answer.ok ? 200 : answer.error.status));
    expect(answers).toHaveLength(1000);
    expect(statuses.every((status) => [200, 409, 429].includes(status))).toBe(true);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(500);
    // Every accepted edit is a version, nothing more and nothing less.
    const after = await w.api<ConcordDocument>(`/api/documents/${flooded.body.id}`, { token: w.alice.token });
    expect(after.body.version).toBe(1 + accepted.length);
    expect(accepted.map((answer) => (answer.ok ? answer.version : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: accepted.length }, (_, i) => i + 2),
    );
    socket.close();
  });

  it('afterwards: healthy, every stored text well-formed, the target document only changed by acknowledged writes', async () => {
    expect((await w.api('/api/health')).status).toBe(200);
    expect(await unstorableDocuments(w.api, w.alice.token)).toEqual([]);
    const target = await w.api<ConcordDocument>(`/api/documents/${w.doc.id}`, { token: w.alice.token });
    // No hostile case was acknowledged: the target is exactly as created.
    expect(target.body).toMatchObject({ version: 1, content: w.doc.content, title: w.doc.title });
    const emoji = await w.api<ConcordDocument>(`/api/documents/${w.emojiDoc.id}`, { token: w.alice.token });
    expect(emoji.body.version).toBe(1);
    expect(isStorableText(emoji.body.content)).toBe(true);
    // The owner can still write as usual.
    const written = await put(w, w.doc.etag, 'still fine\n');
    expect(written.status).toBe(200);
  });
});
