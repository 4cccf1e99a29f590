import type { ConcordDocument } from '../protocol';
import { ConcordClient } from './concord-client';
import { FIXTURE_ID, FIXTURE_USER, fixtureDocument, staleVersionBody } from './testing/document-fixture';
import {
  ConcordApiError,
  ConcordNetworkError,
  ConcordResponseError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionRequiredError,
  RateLimitedError,
  UnauthorizedError,
  UnprocessableError,
} from './concord-errors';

const ID = FIXTURE_ID;
const USER = FIXTURE_USER;
const doc = fixtureDocument;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

function stale(current: ConcordDocument, yourVersion: number): Response {
  return json(409, staleVersionBody(current, yourVersion), { etag: current.etag });
}

function problemBody(status: number, code: string): Record<string, unknown> {
  return {
    type: `urn:concord:problem:${code}`,
    title: code,
    status,
    detail: `a ${code}`,
    instance: '/x',
    code,
  };
}

function problem(status: number, code: string): Response {
  return json(status, problemBody(status, code));
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake fetch answering from a script (an Error: the request fails), recording each request. */
function fakeFetch(answers: (Response | Error)[]): {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: Call[];
} {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string>,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      });
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected request ${init.method} ${url}`);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
}

function client(
  answers: (Response | Error)[],
  options: { maxAttempts?: number; maxRetryAfterMs?: number } = {},
) {
  const fake = fakeFetch(answers);
  const sleeps: number[] = [];
  const sdk = new ConcordClient({
    baseUrl: 'http://concord.test/',
    token: 'tok',
    fetch: fake.fetch,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    baseDelayMs: 100,
    ...options,
  });
  return { sdk, calls: fake.calls, sleeps };
}

const BASE = doc(1, 'alpha\nbeta\ngamma\n');

describe('ConcordClient.saveDocument', () => {
  it('saves with If-Match and the bearer token when the base is current', async () => {
    const { sdk, calls } = client([json(200, doc(2, 'alpha\nBETA\ngamma\n'))]);
    const result = await sdk.saveDocument(ID, { content: 'alpha\nBETA\ngamma\n' }, { base: BASE });
    expect(result).toEqual({
      status: 'saved',
      document: doc(2, 'alpha\nBETA\ngamma\n'),
      attempts: 1,
      merged: false,
    });
    expect(calls).toEqual([
      {
        url: `http://concord.test/api/documents/${ID}`,
        method: 'PUT',
        headers: expect.objectContaining({ 'If-Match': BASE.etag, Authorization: 'Bearer tok' }),
        body: { content: 'alpha\nBETA\ngamma\n' },
      },
    ]);
  });

  it('on a stale 409 merges against its base and retries over current after a jittered backoff', async () => {
    const current = doc(2, 'ALPHA\nbeta\ngamma\n');
    const merged = 'ALPHA\nbeta\nGAMMA\n';
    const { sdk, calls, sleeps } = client([stale(current, 1), json(200, doc(3, merged))]);
    const result = await sdk.saveDocument(ID, { content: 'alpha\nbeta\nGAMMA\n' }, { base: BASE });
    expect(result).toEqual({ status: 'saved', document: doc(3, merged), attempts: 2, merged: true });
    expect(calls[1].headers['If-Match']).toBe(current.etag);
    expect(calls[1].body).toEqual({ content: merged });
    expect(sleeps).toEqual([50]); // random 0.5 × min(max, 100 · 2⁰)
  });

  it('merges each retry against the document it last saw', async () => {
    const v2 = doc(2, 'ALPHA\nbeta\ngamma\n');
    const v3 = doc(3, 'ALPHA\nbeta\ngamma\ndelta\n');
    const { sdk, calls, sleeps } = client([stale(v2, 1), stale(v3, 2), json(200, doc(4, 'x'))]);
    const result = await sdk.saveDocument(ID, { content: 'alpha\nBETA\ngamma\n' }, { base: BASE });
    expect(result).toMatchObject({ status: 'saved', attempts: 3 });
    expect(calls.map((c) => [c.headers['If-Match'], c.body])).toEqual([
      [BASE.etag, { content: 'alpha\nBETA\ngamma\n' }],
      [v2.etag, { content: 'ALPHA\nBETA\ngamma\n' }],
      [v3.etag, { content: 'ALPHA\nBETA\ngamma\ndelta\n' }],
    ]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('writes nothing when the current document already holds every change of the edit', async () => {
    const current = doc(2, 'alpha\nBETA\ngamma\ndelta\n');
    const { sdk, calls } = client([stale(current, 1)]);
    const result = await sdk.saveDocument(ID, { content: 'alpha\nBETA\ngamma\n' }, { base: BASE });
    expect(result).toEqual({ status: 'saved', document: current, attempts: 1, merged: true });
    expect(calls).toHaveLength(1);
  });

  it('still writes a rename the current document does not have, even when its text is already there', async () => {
    const current = doc(2, 'alpha\nBETA\ngamma\n');
    const { sdk, calls } = client([stale(current, 1), json(200, doc(3, current.content))]);
    await sdk.saveDocument(ID, { content: current.content, title: 'Renamed' }, { base: BASE });
    expect(calls[1].body).toEqual({ content: current.content, title: 'Renamed' });
  });

  it('returns the conflict, and writes nothing more, when the merge is not clean', async () => {
    const current = doc(2, 'alpha\nBeta by Bob\ngamma\n');
    const { sdk, calls } = client([stale(current, 1)]);
    const result = await sdk.saveDocument(ID, { content: 'alpha\nBeta by me\ngamma\n' }, { base: BASE });
    expect(result).toEqual({
      status: 'conflict',
      attempts: 1,
      current,
      merge: {
        clean: false,
        text: 'alpha\n<<<<<<< mine\nBeta by me\n=======\nBeta by Bob\n>>>>>>> theirs\ngamma\n',
        conflicts: [
          expect.objectContaining({ base: 'beta\n', mine: 'Beta by me\n', theirs: 'Beta by Bob\n' }),
        ],
      },
    });
    expect(calls).toHaveLength(1);
  });

  it('gives up after maxAttempts clean retries, throwing the last ConflictError', async () => {
    const answers = [
      stale(doc(2, 'ALPHA\nbeta\ngamma\n'), 1),
      stale(doc(3, 'ALPHA\nbeta\ngamma\n!\n'), 2),
      stale(doc(4, 'ALPHA\nbeta\ngamma\n!!\n'), 3),
    ];
    const { sdk, calls, sleeps } = client(answers, { maxAttempts: 3 });
    await expect(
      sdk.saveDocument(ID, { content: 'alpha\nBETA\ngamma\n' }, { base: BASE }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('sends a changed title, and drops it once the server already has it', async () => {
    const current = doc(2, 'ALPHA\nbeta\ngamma\n', 'New title');
    const { sdk, calls } = client([stale(current, 1), json(200, doc(3, 'x', 'New title'))]);
    await sdk.saveDocument(ID, { content: 'alpha\nbeta\nGAMMA\n', title: 'New title' }, { base: BASE });
    expect(calls[0].body).toEqual({ content: 'alpha\nbeta\nGAMMA\n', title: 'New title' });
    expect(calls[1].body).toEqual({ content: 'ALPHA\nbeta\nGAMMA\n' });
  });

  it('tries a 429 again after its Retry-After, the same text over the same base', async () => {
    const { sdk, calls, sleeps } = client([
      json(429, { ...problemBody(429, 'rate_limited') }, { 'retry-after': '3' }),
      json(200, doc(2, 'x')),
    ]);
    const result = await sdk.saveDocument(ID, { content: 'x' }, { base: BASE });
    expect(result).toMatchObject({ status: 'saved', attempts: 2, merged: false });
    expect(sleeps).toEqual([3000]);
    expect(calls.map((c) => [c.headers['If-Match'], c.body])).toEqual([
      [BASE.etag, { content: 'x' }],
      [BASE.etag, { content: 'x' }],
    ]);
  });

  it('a 503 without Retry-After waits the backoff; a Retry-After past maxRetryAfterMs throws at once', async () => {
    const busy = client([problem(503, 'service_unavailable'), json(200, doc(2, 'x'))]);
    await expect(busy.sdk.saveDocument(ID, { content: 'x' }, { base: BASE })).resolves.toMatchObject({
      status: 'saved',
    });
    expect(busy.sleeps).toEqual([50]);

    const limited = client([json(429, problemBody(429, 'rate_limited'), { 'retry-after': '60' })], {
      maxRetryAfterMs: 10_000,
    });
    const error: unknown = await limited.sdk
      .saveDocument(ID, { content: 'x' }, { base: BASE })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 60_000 });
    expect(limited.sleeps).toEqual([]);
  });

  it('stops trying a 429 after maxAttempts', async () => {
    const limit = () => json(429, problemBody(429, 'rate_limited'), { 'retry-after': '1' });
    const { sdk, calls } = client([limit(), limit()], { maxAttempts: 2 });
    await expect(sdk.saveDocument(ID, { content: 'x' }, { base: BASE })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    expect(calls).toHaveLength(2);
  });

  it('tries again a PUT that got no answer; when the lost one had landed, the 409 ends the save with no second write', async () => {
    const reset = () =>
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    const landed = doc(2, 'alpha\nBETA\ngamma\n');
    const { sdk, calls, sleeps } = client([reset(), stale(landed, 1)]);
    const result = await sdk.saveDocument(ID, { content: landed.content }, { base: BASE });
    expect(result).toEqual({ status: 'saved', document: landed, attempts: 2, merged: true });
    expect(sleeps).toEqual([50]);
    expect(calls.map((c) => [c.method, c.headers['If-Match']])).toEqual([
      ['PUT', BASE.etag],
      ['PUT', BASE.etag],
    ]);

    // One that had not landed is simply written by the retry.
    const lost = client([reset(), json(200, doc(2, 'x'))]);
    await expect(lost.sdk.saveDocument(ID, { content: 'x' }, { base: BASE })).resolves.toMatchObject({
      status: 'saved',
      attempts: 2,
      merged: false,
    });
  });

  it('does not retry a timed-out PUT, and stops retrying failed connections after maxAttempts', async () => {
    const slow = new ConcordClient({
      baseUrl: 'http://concord.test',
      timeoutMs: 20,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
        ),
    });
    const timedOut: unknown = await slow
      .saveDocument(ID, { content: 'x' }, { base: BASE })
      .catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ name: 'ConcordNetworkError', timedOut: true });

    const refused = () =>
      new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
    const { sdk, calls } = client([refused(), refused(), refused()], { maxAttempts: 3 });
    const error: unknown = await sdk
      .saveDocument(ID, { content: 'x' }, { base: BASE })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcordNetworkError);
    expect(error).toMatchObject({ timedOut: false });
    expect(calls).toHaveLength(3);
  });

  it('does not retry a 409 that is not a stale version', async () => {
    const { sdk, calls } = client([problem(409, 'document_archived')]);
    await expect(sdk.saveDocument(ID, { content: 'x' }, { base: BASE })).rejects.toMatchObject({
      status: 409,
      code: 'document_archived',
    });
    expect(calls).toHaveLength(1);
  });
});

describe('ConcordClient errors', () => {
  it.each([
    [401, 'unauthorized', UnauthorizedError],
    [403, 'forbidden', ForbiddenError],
    [404, 'not_found', NotFoundError],
    [409, 'slug_taken', ConflictError],
    [413, 'payload_too_large', PayloadTooLargeError],
    [422, 'validation_failed', UnprocessableError],
    [428, 'precondition_required', PreconditionRequiredError],
  ] as const)('%i throws %s as its own class with the problem body', async (status, code, ErrorClass) => {
    const { sdk } = client([problem(status, code)]);
    const error: unknown = await sdk.getDocument(ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ConcordApiError);
    expect(error).toMatchObject({ status, code, problem: { code, detail: `a ${code}` } });
  });

  it('an error body that is not Concord problem+json keeps its detail and a code from the status', async () => {
    const { sdk } = client([
      json(429, { detail: 'Slow down (proxy).' }, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }),
    ]);
    await expect(sdk.getDocument(ID)).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      problem: { detail: 'Slow down (proxy).' },
      retryAfterMs: 0, // a date in the past: now
    });
  });

  it('no answer: a ConcordNetworkError (a TypeError, as fetch throws) naming the URL and the cause', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const sdk = new ConcordClient({
      baseUrl: 'http://concord.test',
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: refused })),
    });
    const error: unknown = await sdk.getDocument(ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcordNetworkError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `cannot reach GET http://concord.test/api/documents/${ID}: ECONNREFUSED`,
    );
  });

  it('a server that never answers times out', async () => {
    const sdk = new ConcordClient({
      baseUrl: 'http://concord.test',
      timeoutMs: 20,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
        ),
    });
    const error: unknown = await sdk.getDocument(ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcordNetworkError);
    expect((error as Error).message).toBe(
      `GET http://concord.test/api/documents/${ID}: no answer within 0.02 s`,
    );
  });

  it('a 200 that is not the API (a wrong URL serving the web page) says so', async () => {
    const { sdk } = client([
      new Response('<!doctype html><title>Concord</title>', {
        status: 200,
        headers: { 'content-type': 'text/html' },
      }),
      json(200, { items: [], nextCursor: null }),
    ]);
    const page: unknown = await sdk.getDocument(ID).catch((e: unknown) => e);
    expect(page).toBeInstanceOf(ConcordResponseError);
    expect((page as Error).message).toBe(
      `GET http://concord.test/api/documents/${ID} answered 200 with text/html instead of JSON; ` +
        'is http://concord.test a Concord server?',
    );
    await expect(sdk.getDocument(ID)).rejects.toThrow(/answered 200 with JSON the Concord API does not send/);
  });

  it('a non-problem error body still throws a ConcordApiError', async () => {
    const { sdk } = client([new Response('Bad Gateway', { status: 502 })]);
    await expect(sdk.getDocument(ID)).rejects.toMatchObject({
      status: 502,
      code: 'internal_error',
      problem: { detail: 'Bad Gateway' },
    });
  });
});

describe('ConcordClient requests', () => {
  it('fills a missing etag field from the ETag header', async () => {
    const { etag, ...withoutEtag } = doc(1, 'x');
    const { sdk } = client([json(200, withoutEtag, { etag })]);
    await expect(sdk.getDocument(ID)).resolves.toEqual(doc(1, 'x'));
  });

  it('login stores the token for later calls', async () => {
    const { sdk, calls } = client([json(200, { user: USER, token: 'fresh' }), json(200, USER)]);
    await sdk.login({ username: 'alice', password: 'secret123' });
    await expect(sdk.me()).resolves.toEqual(USER);
    expect(calls[1].headers.Authorization).toBe('Bearer fresh');
  });

  it('patch sends If-Match and Prefer: merge when asked', async () => {
    const { sdk, calls } = client([json(200, doc(2, 'y'))]);
    await sdk.patchDocument(ID, { patch: '@@ -1 +1 @@\n-x\n+y\n' }, { ifMatch: BASE.etag, merge: true });
    expect(calls[0]).toMatchObject({ method: 'PATCH', headers: { 'If-Match': BASE.etag, Prefer: 'merge' } });
  });

  it('lists documents with a query string', async () => {
    const { sdk, calls } = client([json(200, { items: [], nextCursor: null })]);
    await sdk.listDocuments({ q: 'notes', limit: 5 });
    expect(calls[0].url).toBe('http://concord.test/api/documents?q=notes&limit=5');
  });

  it('asks for a page of versions or drafts only when given one', async () => {
    const { sdk, calls } = client([json(200, []), json(200, []), json(200, []), json(200, [])]);
    const draftId = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
    await sdk.listVersions(ID);
    await sdk.listVersions(ID, { limit: 100, before: 7 });
    await sdk.listDrafts(ID);
    await sdk.listDrafts(ID, { limit: 2, before: draftId });
    expect(calls.map((c) => c.url.slice(`http://concord.test/api/documents/${ID}`.length))).toEqual([
      '/versions',
      '/versions?limit=100&before=7',
      '/drafts',
      `/drafts?limit=2&before=${draftId}`,
    ]);
  });
});
