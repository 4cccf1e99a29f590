import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { answerClientErrorsWithProblems } from './client-error.handler';

/** Sends raw bytes and resolves to everything the server wrote before closing. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Sends `head`, then `rest` once the server has started answering; resolves like rawExchange. */
function rawExchangeAfterAnswerStarts(port: number, head: string, rest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      if (received === '') socket.end(rest);
      received += chunk.toString('utf8');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

function parse(response: string): { statusLine: string; headers: string; body: Record<string, unknown> } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const [statusLine = '', ...headers] = head.split('\r\n');
  return {
    statusLine,
    headers: headers.join('\n').toLowerCase(),
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

describe('answerClientErrorsWithProblems', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // Routes answer once they have read the body, as Express's body parser does; /started sends its head first.
    server = createServer((request, response) => {
      if (request.url?.startsWith('/started')) response.writeHead(200).write('partial');
      request.resume();
      request.on('end', () => response.end('routed'));
    });
    answerClientErrorsWithProblems(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers header fields over the parser limit with 431 problem+json', async () => {
    const response = parse(
      await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Junk: ${'j'.repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(response.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(response.headers).toContain('content-type: application/problem+json');
    expect(response.body).toMatchObject({
      type: 'urn:concord:problem:headers-too-large',
      status: 431,
      code: 'headers_too_large',
    });
    expect(response.headers).toContain(`x-request-id: ${String(response.body['requestId'])}`);
  });

  it('answers a request line that is not HTTP with 400 bad_request', async () => {
    const response = parse(await rawExchange(port, 'HELLO THERE\r\n\r\n'));
    expect(response.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(response.body).toMatchObject({ status: 400, code: 'bad_request', title: 'Bad request' });
  });

  it('answers a bad chunk size in the body of the request being answered with one 400 problem+json, and closes', async () => {
    const head = (path: string): string =>
      `POST ${path}?q=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const badChunk = 'ZZ\r\n{}\r\n0\r\n\r\n';
    const received = await rawExchange(port, head('/documents') + badChunk);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    const response = parse(received);
    expect(response.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(response.headers).toContain('content-type: application/problem+json');
    expect(response.headers).toContain('connection: close');
    expect(response.body).toMatchObject({ status: 400, code: 'bad_request', instance: '/documents' });
    expect(response.headers).toContain(`x-request-id: ${String(response.body['requestId'])}`);
    // A response whose head is out cannot be replaced: the connection is cut.
    const started = await rawExchangeAfterAnswerStarts(port, head('/started'), badChunk);
    expect(started).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(started).not.toContain('problem+json');
  });

  it('answers an Expect other than 100-continue with 417 problem+json, and leaves 100-continue to Node', async () => {
    const response = parse(
      await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: weird\r\nContent-Length: 2\r\n\r\n{}'),
    );
    expect(response.statusLine).toBe('HTTP/1.1 417 Expectation Failed');
    expect(response.headers).toContain('content-type: application/problem+json');
    expect(response.body).toMatchObject({
      status: 417,
      code: 'expectation_failed',
      title: 'Expectation failed',
      instance: '/',
    });
    const continued = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    expect(continued).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(continued).toContain('routed');
  });

  it('leaves well-formed requests to the routes', async () => {
    const response = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('routed');
  });
});
