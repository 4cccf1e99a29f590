import { ProblemError } from '../../common/problem.error';
import type { WritePrecondition } from '../documents.service';
import { MalformedPreconditionError, parseEntityTagList, parseHttpDate } from '../preconditions';

/**
 * The write precondition a request carries: If-Match wins; If-Unmodified-Since is used only
 * without If-Match (RFC 9110 §13.2.2); neither → null (the service answers 428 after the access
 * check). A malformed header is a 400.
 */
export function preconditionFromHeaders(
  ifMatch: string | undefined,
  ifUnmodifiedSince: string | undefined,
): WritePrecondition | null {
  try {
    if (ifMatch !== undefined) return { kind: 'if-match', tags: parseEntityTagList('If-Match', ifMatch) };
    if (ifUnmodifiedSince !== undefined) {
      return {
        kind: 'if-unmodified-since',
        seconds: parseHttpDate('If-Unmodified-Since', ifUnmodifiedSince),
      };
    }
    return null;
  } catch (error) {
    if (error instanceof MalformedPreconditionError) {
      throw new ProblemError('malformed_precondition', 400, error.message, {
        extensions: { header: error.header },
      });
    }
    throw error;
  }
}

/** Does `Prefer` ask for `merge` (RFC 7240: comma-separated preferences, each maybe with parameters)? */
export function prefersMerge(prefer: string | undefined): boolean {
  if (prefer === undefined) return false;
  return prefer.split(',').some((preference) => /^\s*merge\s*(?:[;=]|$)/i.test(preference));
}
