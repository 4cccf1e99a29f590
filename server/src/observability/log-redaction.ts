import { stdSerializers } from 'pino';

type SerializedError = ReturnType<typeof stdSerializers.err> & Record<string, unknown>;

/**
 * Properties of thrown errors that carry user data: TypeORM's QueryFailedError (and the pg
 * driver error it wraps) keeps the query `parameters` — document bodies, password hashes,
 * tokens. pino's standard error serializer copies every enumerable property, so an unexpected
 * database error would print them; these are dropped, the message, stack and SQL text stay.
 */
const SENSITIVE_ERROR_KEYS = ['parameters', 'params', 'body', 'password', 'token', 'content'];

function scrub(value: Record<string, unknown>, depth: number): void {
  for (const key of SENSITIVE_ERROR_KEYS) if (key in value) value[key] = '[redacted]';
  if (depth === 0) return;
  for (const inner of Object.values(value)) {
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) scrub(inner as Record<string, unknown>, depth - 1);
  }
}

/** pino `err` serializer: the standard one, minus the data a failed query carries. */
export function safeErrorSerializer(error: Error): SerializedError {
  const serialized = stdSerializers.err(error) as SerializedError;
  scrub(serialized, 3);
  return serialized;
}
