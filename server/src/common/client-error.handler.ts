import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, problemTypeFor } from '@concord/shared';
import { PROBLEM_CONTENT_TYPE } from './problem.renderer';
import { PROBLEM_TITLES } from './problem-titles';
import { REQUEST_ID_HEADER } from './request-id.middleware';

/** What Node's HTTP parser refused, as a status and a code. */
function classify(error: NodeJS.ErrnoException): { status: number; code: ErrorCode; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'headers_too_large', detail: 'The request header fields are larger than 16 KiB in total.' };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'request_timeout', detail: 'The request headers did not arrive in time.' };
  }
  return { status: 400, code: 'bad_request', detail: 'The request is not well-formed HTTP/1.1.' };
}

/** The raw HTTP/1.1 response of a client error: no Express, no route, just the problem. */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const { status, code, detail } = classify(error);
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: problemTypeFor(code),
    title: PROBLEM_TITLES[code],
    status,
    detail,
    // No request line was parsed, so the occurrence is named by its id.
    instance: `urn:uuid:${requestId}`,
    code,
    requestId,
  });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    'Connection: close',
    '',
    body,
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
