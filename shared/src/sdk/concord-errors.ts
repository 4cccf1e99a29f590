import type { Problem } from '../protocol';

/**
 * An error answer of the Concord API. `problem` is the problem+json body as sent (RFC 9457),
 * or a minimal one made from the status when the body was not problem+json (a proxy's 502).
 */
export class ConcordApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly code: string;

  constructor(status: number, problem: Problem) {
    super(`${status} ${problem.code}: ${problem.detail}`);
    this.name = new.target.name;
    this.status = status;
    this.problem = problem;
    this.code = problem.code;
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

/** The typed error for a status; other statuses are a plain ConcordApiError. */
export function apiErrorFor(status: number, problem: Problem): ConcordApiError {
  switch (status) {
    case 401:
      return new UnauthorizedError(status, problem);
    case 403:
      return new ForbiddenError(status, problem);
    case 404:
      return new NotFoundError(status, problem);
    case 409:
      return new ConflictError(status, problem);
    case 413:
      return new PayloadTooLargeError(status, problem);
    case 422:
      return new UnprocessableError(status, problem);
    case 428:
      return new PreconditionRequiredError(status, problem);
    default:
      return new ConcordApiError(status, problem);
  }
}
