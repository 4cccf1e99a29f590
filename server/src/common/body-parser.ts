import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { Logger } from '@nestjs/common';
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

export function jsonBodyParser(maxDocumentBytes: number): RequestHandler {
  return express.json({ limit: jsonBodyLimit(maxDocumentBytes), verify: verifyUtf8, strict: false });
}

/** body-parser fails before Nest's router, so its errors are rendered here, the same way. */
export function bodyParserErrorHandler(): ErrorRequestHandler {
  const logger = new Logger('BodyParser');
  return (error: unknown, request, response, _next) => sendProblem(error, request, response, logger);
}
