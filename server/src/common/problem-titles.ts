import { type ErrorCode } from '@concord/shared';

/** The short, stable `title` of each code (RFC 9457: the same for every occurrence of a type). */
export const PROBLEM_TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  malformed_json: 'Malformed JSON',
  malformed_precondition: 'Malformed precondition header',
  validation_failed: 'Validation failed',
  unauthorized: 'Unauthorized',
  invalid_credentials: 'Invalid credentials',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  expectation_failed: 'Expectation failed',
  headers_too_large: 'Request header fields too large',
  request_timeout: 'Request timeout',
  precondition_required: 'Precondition required',
  stale_version: 'Stale version',
  document_archived: 'Document archived',
  already_archived: 'Already archived',
  not_archived: 'Not archived',
  slug_taken: 'Slug taken',
  username_taken: 'Username taken',
  account_in_use: 'Account still referenced',
  member_exists: 'Member exists',
  owner_role_fixed: 'Owner role fixed',
  idempotency_in_flight: 'Idempotent request in flight',
  idempotency_key_mismatch: 'Idempotency key reused with another body',
  patch_does_not_apply: 'Patch does not apply',
  history_pruned: 'History pruned',
  rate_limited: 'Too many requests',
  service_unavailable: 'Service unavailable',
  internal_error: 'Internal server error',
};

/** The code a bare HTTP status maps to when nothing more specific is known. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
    case 405:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 417:
      return 'expectation_failed';
    case 422:
      return 'validation_failed';
    case 428:
      return 'precondition_required';
    case 429:
      return 'rate_limited';
    case 503:
      return 'service_unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'bad_request';
  }
}
