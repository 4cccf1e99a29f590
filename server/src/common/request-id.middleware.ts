import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A client's id is echoed only if it is short and plain, so it can't inject into logs or headers. */
const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

type WithId = IncomingMessage & { id?: unknown };

export function requestIdOf(request: IncomingMessage): string | undefined {
  const id = (request as WithId).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * First middleware of the app: every request gets an id (the client's X-Request-Id, or a new
 * UUID) on `req.id` — where pino-http picks it up for every log line — and on the response.
 */
export function requestIdMiddleware(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  const header = request.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  const id = given !== undefined && CLIENT_ID_PATTERN.test(given) ? given : randomUUID();
  (request as WithId).id = id;
  response.setHeader(REQUEST_ID_HEADER, id);
  next();
}
