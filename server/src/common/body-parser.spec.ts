import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import express from 'express';
import { bodyParserErrorHandler, jsonBodyParser } from './body-parser';

interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

describe('jsonBodyParser', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    app.use(jsonBodyParser(1024));
    app.use(bodyParserErrorHandler());
    app.post('/echo', (request, response) => {
      response.json({ received: (request.body as unknown) ?? null });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** POST /echo with exactly these headers and bytes (Content-Length is set from the body). */
  function post(headers: Record<string, string>, body?: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/echo',
          method: 'POST',
          headers: { ...headers, 'content-length': String(body?.length ?? 0) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body: JSON.parse(text) as Record<string, unknown>,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const json = Buffer.from('{"title":"x"}');
  const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

  it.each([
    ['gzip', Buffer.from('not gzip'), 'incorrect header check'],
    ['deflate', Buffer.from('not deflate'), 'incorrect header check'],
    ['br', Buffer.from('not brotli'), 'Decompression failed'],
    ['gzip', gzipSync(json).subarray(0, 12), 'unexpected end of file'],
  ] as const)(
    'answers a corrupt %s body with 400 bad_request naming the encoding (%#)',
    async (encoding, body, message) => {
      const headers = { 'content-type': 'application/json', 'content-encoding': encoding };
      const answer = await post(headers, body);
      expect(answer.status).toBe(400);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 400, code: 'bad_request' });
      // Under Jest, http-errors does not see zlib's error (another realm's Error) and rewraps it as "Bad Request".
      expect(
        [message, 'Bad Request'].map(
          (said) =>
            `The request body could not be decoded as its Content-Encoding "${encoding}" says: ${said}.`,
        ),
      ).toContain(answer.body['detail']);
      expect(await post(headers, compress[encoding](json))).toMatchObject({
        status: 200,
        body: { received: { title: 'x' } },
      });
    },
  );

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, '"text/plain"'],
    ['form', { 'content-type': 'application/x-www-form-urlencoded' }, '"application/x-www-form-urlencoded"'],
    ['merge-patch', { 'content-type': 'application/merge-patch+json' }, '"application/merge-patch+json"'],
    ['JSON:API', { 'content-type': 'application/vnd.api+json' }, '"application/vnd.api+json"'],
    ['no Content-Type', {}, 'no Content-Type'],
  ])('answers a body with %s with 415 unsupported_media_type', async (_label, headers, got) => {
    const answer = await post(headers, json);
    expect(answer.status).toBe(415);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      title: 'Unsupported media type',
      detail: `The request body must be application/json (got ${got}).`,
    });
    // Not a body, so not refused: no Content-Type with Content-Length 0 (fetch's bodyless POST); JSON with a UTF-8 charset.
    expect(await post({})).toMatchObject({ status: 200, body: { received: null } });
    expect(await post({ 'content-type': 'application/json; charset=utf-8' }, json)).toMatchObject({
      status: 200,
    });
  });

  it('answers an unsupported charset or Content-Encoding with 415 unsupported_media_type', async () => {
    const refused: Record<string, string>[] = [
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json', 'content-encoding': 'compress' },
    ];
    for (const headers of refused) {
      expect((await post(headers, json)).body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
  });
});
