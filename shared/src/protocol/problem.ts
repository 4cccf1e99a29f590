import { z } from 'zod';

/**
 * Every machine-readable error code Concord answers with, over HTTP (problem+json `code`)
 * and over the socket (`error.code` in an ack). Each has its own problem `type` URI.
 */
export const ERROR_CODES = [
  'bad_request',
  'malformed_json',
  'malformed_precondition',
  'validation_failed',
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'expectation_failed',
  'headers_too_large',
  'request_timeout',
  'precondition_required',
  'stale_version',
  'document_archived',
  'already_archived',
  'not_archived',
  'slug_taken',
  'username_taken',
  'account_in_use',
  'member_exists',
  'owner_role_fixed',
  'idempotency_in_flight',
  'idempotency_key_mismatch',
  'patch_does_not_apply',
  'history_pruned',
  'rate_limited',
  'service_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The problem `type` URI of a code: stable, distinct per code (RFC 9457 §3.1.1). */
export function problemTypeFor(code: ErrorCode): string {
  return `urn:concord:problem:${code.replace(/_/g, '-')}`;
}

export const ProblemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.enum(ERROR_CODES),
  requestId: z.string().optional(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Field errors of a validation_failed problem'),
});
export type Problem = z.infer<typeof ProblemSchema>;
