import { type AckError, type AckFailure, DocumentSchema, ServerMergeSchema } from '@concord/shared';
import type { Logger } from '@nestjs/common';
import type { ZodError } from 'zod';
import { ProblemError } from '../common/problem.error';
import { isDatabaseUnavailableError } from '../database/database-errors';

/** Fields an ack error carries beyond status, code and detail (the protocol's optional ones). */
type AckErrorExtras = Omit<AckError, 'status' | 'code' | 'detail'>;

export function ackFailure(
  status: number,
  code: AckError['code'],
  detail: string,
  extras: AckErrorExtras = {},
): AckFailure {
  return { ok: false, error: { ...extras, status, code, detail } };
}

/** A payload that does not match its schema: 422 with the same field errors HTTP gives. */
export function validationFailure(error: ZodError): AckFailure {
  const errors = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return ackFailure(422, 'validation_failed', detail || 'The payload is invalid.', { errors });
}

/**
 * The socket twin of the HTTP exception filter: a ProblemError keeps its status and code (and a
 * stale write its `current` document and the server's `merge` attempt); anything else is a bug,
 * logged and answered 500 without internals.
 */
export function toAckFailure(error: unknown, logger: Logger, event: string): AckFailure {
  if (error instanceof ProblemError) {
    const { extensions } = error;
    const current = DocumentSchema.safeParse(extensions.current);
    const merge = ServerMergeSchema.safeParse(extensions.merge);
    const failure = ackFailure(error.status, error.code, error.detail);
    if (current.success) failure.error.current = current.data;
    if (merge.success) failure.error.merge = merge.data;
    return failure;
  }
  // The database restarting is not a bug: the client retries, as it does on HTTP's 503.
  if (isDatabaseUnavailableError(error)) {
    return ackFailure(503, 'service_unavailable', 'The database is unavailable; retry shortly.', {
      retryAfterMs: 2000,
    });
  }
  logger.error(
    `socket ${event} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return ackFailure(500, 'internal_error', 'The server failed to handle this event; it has been logged.');
}
