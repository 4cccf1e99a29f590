import { type ErrorCode } from '@concord/shared';

export interface ProblemOptions {
  /** Extra members of the problem body (`current`, `yourVersion`, `errors`, …). */
  extensions?: Record<string, unknown>;
  /** Response headers to send with it (`ETag`, `Retry-After`, …). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type features throw: a stable `code`, an HTTP status and a human detail.
 * The HTTP filter renders it as problem+json; the socket gateway as `{ok:false, error}`.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  static notFound(detail = 'Nothing here.'): ProblemError {
    return new ProblemError('not_found', 404, detail);
  }

  static unauthorized(detail = 'A valid bearer token is required.'): ProblemError {
    return new ProblemError('unauthorized', 401, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }

  static forbidden(detail = 'You may not do that.'): ProblemError {
    return new ProblemError('forbidden', 403, detail);
  }

  static payloadTooLarge(maxBytes: number): ProblemError {
    return new ProblemError('payload_too_large', 413, `The content is larger than ${maxBytes} bytes (UTF-8).`, {
      extensions: { maxBytes },
    });
  }

  static serviceUnavailable(detail = 'The database is unavailable; retry shortly.', retryAfterSeconds = 2): ProblemError {
    return new ProblemError('service_unavailable', 503, detail, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}
