import type { Problem } from '../protocol';

/**
 * An error answer of the Concord API. `problem` is the problem+json body as sent (RFC 9457),
 * or a minimal one made from the status when the body was not problem+json (a proxy's 502).
 */
export class ConcordApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly code: string;
  /** The answer's Retry-After in milliseconds (a 429 or 503), when it had a usable one. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, problem: Problem, retryAfterMs?: number) {
    super(`${status} ${problem.code}: ${problem.detail}`);
    this.name = new.target.name;
    this.status = status;
    this.problem = problem;
    this.code = problem.code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * No answer at all: the server is down, the name does not resolve, or it did not answer
 * within the client's timeout. A TypeError, as fetch's own network failure is, so code that
 * tells "offline" apart by `instanceof TypeError` keeps working; the message names the URL.
 */
export class ConcordNetworkError extends TypeError {
  /** No answer within the client's timeout (the request may still be running), rather than none at all. */
  readonly timedOut: boolean;

  constructor(message: string, options?: { cause?: unknown; timedOut?: boolean }) {
    super(message, options);
    this.name = new.target.name;
    this.timedOut = options?.timedOut ?? false;
  }
}

/** A success answer that is not what the API sends: usually a wrong server URL (a web page). */
export class ConcordResponseError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
  }
}

/** 401: no token, a bad one, or wrong credentials. */
export class UnauthorizedError extends ConcordApiError {}
/** 403: signed in but not allowed (a viewer writing). */
export class ForbiddenError extends ConcordApiError {}
/** 404: no such document, or not visible to this user. */
export class NotFoundError extends ConcordApiError {}
/** 409: a failed precondition (`stale_version`, body holds `current`) or a state clash. */
export class ConflictError extends ConcordApiError {}
/** 413: the document is larger than the server accepts. */
export class PayloadTooLargeError extends ConcordApiError {}
/** 422: invalid fields, or a patch that does not apply. */
export class UnprocessableError extends ConcordApiError {}
/** 428: a write without If-Match; the body carries the current ETag. */
export class PreconditionRequiredError extends ConcordApiError {}
/** 429: too many writes; `retryAfterMs` says when to try again. */
export class RateLimitedError extends ConcordApiError {}

/** The typed error for a status; other statuses are a plain ConcordApiError. */
export function apiErrorFor(status: number, problem: Problem, retryAfterMs?: number): ConcordApiError {
  switch (status) {
    case 401:
      return new UnauthorizedError(status, problem, retryAfterMs);
    case 403:
      return new ForbiddenError(status, problem, retryAfterMs);
    case 404:
      return new NotFoundError(status, problem, retryAfterMs);
    case 409:
      return new ConflictError(status, problem, retryAfterMs);
    case 413:
      return new PayloadTooLargeError(status, problem, retryAfterMs);
    case 422:
      return new UnprocessableError(status, problem, retryAfterMs);
    case 428:
      return new PreconditionRequiredError(status, problem, retryAfterMs);
    case 429:
      return new RateLimitedError(status, problem, retryAfterMs);
    default:
      return new ConcordApiError(status, problem, retryAfterMs);
  }
}
