import { HttpException } from '@nestjs/common';
import { type ErrorCode, problemTypeFor } from '@concord/shared';
import { ZodError } from 'zod';
import { isDatabaseUnavailableError, isUnstorableTextError } from '../database/database-errors';
import { ProblemError } from './problem.error';
import { codeForStatus, PROBLEM_TITLES } from './problem-titles';

export interface FieldError {
  path: string;
  message: string;
}

export interface RenderedProblem {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** True for errors nobody anticipated (500): they are logged with their stack. */
  unexpected: boolean;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** zod issues → `errors: [{path, message}]`, paths dotted (`content`, `members.0.role`). */
export function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

export function validationProblem(error: ZodError, what = 'The request'): ProblemError {
  const errors = fieldErrors(error);
  const summary = errors
    .map((item) => (item.path ? `${item.path}: ${item.message}` : item.message))
    .join('; ');
  return new ProblemError('validation_failed', 422, `${what} is invalid: ${summary}`, {
    extensions: { errors },
  });
}

/** Errors raised by body-parser (express.json) carry a `type` and a client status. */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

function fromBodyParser(error: BodyParserError): ProblemError {
  switch (error.type) {
    case 'entity.parse.failed':
      return new ProblemError('malformed_json', 400, `The body is not valid JSON: ${error.message}`);
    case 'entity.too.large':
      return new ProblemError(
        'payload_too_large',
        413,
        `The request body is larger than ${error.limit ?? 'the limit'} bytes.`,
        {
          extensions: error.limit === undefined ? {} : { limitBytes: error.limit },
        },
      );
    case 'entity.verify.failed':
      return new ProblemError('bad_request', 400, error.message);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError('unsupported_media_type', 415, error.message);
    default:
      return new ProblemError(
        codeForStatus(error.status),
        error.status >= 400 && error.status < 500 ? error.status : 400,
        error.message,
      );
  }
}

function fromHttpException(error: HttpException): ProblemError {
  const status = error.getStatus();
  const response = error.getResponse();
  let detail = error.message;
  if (typeof response === 'object' && response !== null) {
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') detail = message;
    else if (Array.isArray(message)) detail = message.map(String).join('; ');
  } else if (typeof response === 'string') {
    detail = response;
  }
  // Express could not percent-decode a path parameter (`/api/documents/%E0%A4%A`): the contract
  // answers malformed ids like unknown ones, 404.
  if (status === 400 && detail.startsWith('Failed to decode param')) {
    return new ProblemError('not_found', 404, 'Nothing here: the path is not valid percent-encoded UTF-8.', {
      cause: error,
    });
  }
  const code: ErrorCode = codeForStatus(status);
  if (status === 429) detail = 'Too many requests; slow down and retry after the Retry-After delay.';
  return new ProblemError(code, status, detail, { cause: error });
}

/** Maps any thrown value to the problem it should be answered with. */
export function toProblemError(error: unknown): { problem: ProblemError; unexpected: boolean } {
  if (error instanceof ProblemError) return { problem: error, unexpected: false };
  if (error instanceof ZodError) return { problem: validationProblem(error), unexpected: false };
  if (error instanceof HttpException)
    return { problem: fromHttpException(error), unexpected: error.getStatus() >= 500 };
  if (isDatabaseUnavailableError(error))
    return { problem: ProblemError.serviceUnavailable(), unexpected: false };
  // A last line of defence: features validate text first, but client text PostgreSQL cannot store is still the client's.
  if (isUnstorableTextError(error)) {
    return {
      problem: new ProblemError(
        'validation_failed',
        422,
        'The request holds text that cannot be stored (NUL or invalid Unicode).',
      ),
      unexpected: false,
    };
  }
  if (isBodyParserError(error) && error.status >= 400 && error.status < 500) {
    return { problem: fromBodyParser(error), unexpected: false };
  }
  return {
    problem: new ProblemError('internal_error', 500, 'Something went wrong on our side; it has been logged.'),
    unexpected: true,
  };
}

const CORE_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId']);

export function renderProblem(
  error: unknown,
  instance: string,
  requestId: string | undefined,
): RenderedProblem {
  const { problem, unexpected } = toProblemError(error);
  const body: Record<string, unknown> = {
    type: problemTypeFor(problem.code),
    title: PROBLEM_TITLES[problem.code],
    status: problem.status,
    detail: problem.detail,
    instance,
    code: problem.code,
  };
  if (requestId !== undefined) body.requestId = requestId;
  for (const [key, value] of Object.entries(problem.extensions)) {
    if (!CORE_MEMBERS.has(key)) body[key] = value;
  }
  return {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...problem.headers },
    body,
    unexpected,
  };
}
