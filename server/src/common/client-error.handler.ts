import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProblemError } from './problem.error';
import { renderProblem } from './problem.renderer';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.middleware';

/** What Node's HTTP parser refused, as a problem. */
function classify(error: NodeJS.ErrnoException): ProblemError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError(
      'headers_too_large',
      431,
      'The request header fields are larger than 16 KiB in total.',
    );
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ProblemError('request_timeout', 408, 'The request did not arrive in time.');
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
 * Answers a request Node parsed, outside Express: `response` has sent nothing yet. The connection is
 * closed, as whatever the client still sends of its body would not be read as a request.
 */
function answerWithProblem(response: ServerResponse<IncomingMessage>, problem: ProblemError): void {
  const request = response.req;
  const requestId = requestIdOf(request) ?? randomUUID();
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const { status, headers, body } = renderProblem(problem, path, requestId);
  const json = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Length': Buffer.byteLength(json),
    [REQUEST_ID_HEADER]: requestId,
    Connection: 'close',
  });
  response.end(json);
}

/**
 * Requests Node's parser refuses never reach Express, and Node's default answer is a bare
 * status line; so is its answer to an Expect it does not know. "Every bad input gets a 4xx
 * with a problem+json body" covers them too.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset peer has nobody to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!inProgress) {
      socket.end(clientErrorResponse(error));
      return;
    }
    // The parser refused the body of the request being answered (a bad chunk size): its response
    // is still ours to send, and Express, still waiting for that body, never sends one. A response
    // already started, or one to an earlier pipelined request, cannot be replaced.
    if (inProgress.headersSent || inProgress.req.complete) socket.destroy();
    else answerWithProblem(inProgress, classify(error));
  });
  // Node answers 100-continue itself ('checkContinue' is left alone); any other Expect gets a bare 417.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const expectation = request.headers.expect ?? '';
    answerWithProblem(
      response,
      new ProblemError(
        'expectation_failed',
        417,
        `The expectation "${expectation}" is not supported; only 100-continue is.`,
      ),
    );
  });
}
