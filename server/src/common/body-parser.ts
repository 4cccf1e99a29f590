import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { Logger } from '@nestjs/common';
import { ProblemError } from './problem.error';
import { sendProblem } from './problem.filter';

/**
 * The JSON body limit for a MAX_DOCUMENT_BYTES content: JSON escaping can grow text up to 6×
 * (`\u0000`), so any document within the limit still parses; the documents service then
 * checks the decoded content's exact UTF-8 size (→ 413).
 */
export function jsonBodyLimit(maxDocumentBytes: number): number {
  return maxDocumentBytes * 6 + 64 * 1024;
}

class InvalidUtf8Error extends Error {
  readonly status = 400;
  readonly type = 'entity.verify.failed';
}

/** Invalid UTF-8 would be silently replaced by U+FFFD and stored; refuse it instead. */
function verifyUtf8(_request: IncomingMessage, _response: unknown, buffer: Buffer): void {
  if (!isUtf8(buffer)) throw new InvalidUtf8Error('The request body is not valid UTF-8.');
}

/**
 * A body is framed by Transfer-Encoding or announced by a Content-Length above 0. (type-is's hasBody
 * also counts `Content-Length: 0`, which fetch sends with every bodyless POST, e.g. an archive.)
 */
function carriesBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}

function unsupportedMediaType(request: Request): ProblemError {
  const contentType = request.headers['content-type'];
  const got = contentType === undefined ? 'no Content-Type' : `"${contentType}"`;
  return new ProblemError(
    'unsupported_media_type',
    415,
    `The request body must be application/json (got ${got}).`,
  );
}

/**
 * body-parser gives a `type` to every error it raises itself; an untyped one came from the stream it
 * read, which for an encoded body is the decompressor (a corrupt or truncated gzip, deflate, br stream).
 */
function undecodableBody(error: unknown, request: Request): ProblemError | undefined {
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || encoding.toLowerCase() === 'identity') return undefined;
  if (!(error instanceof Error) || 'type' in error) return undefined;
  return new ProblemError(
    'bad_request',
    400,
    `The request body could not be decoded as its Content-Encoding "${encoding}" says: ${error.message}.`,
    { cause: error },
  );
}

/**
 * Bodies are JSON only: express.json skips any other type, and the route would then see no body
 * and answer a misleading 422 "expected object, received undefined".
 */
export function jsonBodyParser(maxDocumentBytes: number): RequestHandler {
  const parseJson = express.json({
    limit: jsonBodyLimit(maxDocumentBytes),
    verify: verifyUtf8,
    strict: false,
  });
  return (request, response, next) => {
    if (carriesBody(request) && !request.is('application/json')) {
      next(unsupportedMediaType(request));
      return;
    }
    void parseJson(request, response, (error?: unknown) => next(undecodableBody(error, request) ?? error));
  };
}

/** body-parser fails before Nest's router, so its errors are rendered here, the same way. */
export function bodyParserErrorHandler(): ErrorRequestHandler {
  const logger = new Logger('BodyParser');
  return (error: unknown, request, response, _next) => sendProblem(error, request, response, logger);
}
