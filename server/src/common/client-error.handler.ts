import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProblemError } from './problem.error';
import { renderProblem } from './problem.renderer';
import { REQUEST_ID_HEADER } from './request-id.middleware';

/** What Node's HTTP parser refused, as a problem. */
function classify(error: NodeJS.ErrnoException): ProblemError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError('headers_too_large', 431, 'The request header fields are larger than 16 KiB in total.');
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ProblemError('request_timeout', 408, 'The request headers did not arrive in time.');
  }
  return new ProblemError('bad_request', 400, 'The request is not well-formed HTTP/1.1.');
}

/** The raw HTTP/1.1 response of a client error: no Express, no route, just the problem. */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const requestId = randomUUID();
  // No request line was parsed, so the occurrence is named by its id.
  const { status, headers, body } = renderProblem(classify(error), `urn:uuid:${requestId}`, requestId);
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${Buffer.byteLength(json)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}

/**
 * Requests Node's parser refuses never reach Express, and Node's default answer is a bare
 * status line. "Every bad input gets a 4xx with a problem+json body" covers them too.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset peer has nobody to answer; a response already in progress cannot be replaced.
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
  });
}
