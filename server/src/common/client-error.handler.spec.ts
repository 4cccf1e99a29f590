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

function parse(response: string): { statusLine: string; headers: string; body: Record<string, unknown> } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const [statusLine = '', ...headers] = head.split('\r\n');
  return { statusLine, headers: headers.join('\n').toLowerCase(), body: JSON.parse(body) as Record<string, unknown> };
}

describe('answerClientErrorsWithProblems', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('routed'));
    answerClientErrorsWithProblems(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers header fields over the parser limit with 431 problem+json', async () => {
    const response = parse(await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Junk: ${'j'.repeat(64 * 1024)}\r\n\r\n`));
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

  it('leaves well-formed requests to the routes', async () => {
    const response = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('routed');
  });
});
