/**
 * What of an unexpected error goes into the logs: its class, message, SQLSTATE/errno code and
 * stack — never its other properties. TypeORM's QueryFailedError carries the query `parameters`
 * (password hashes, document bodies) and pg errors echo values in `detail`; those stay out.
 */
export interface LoggableError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: LoggableError;
}

export function loggableError(error: unknown, depth = 0): LoggableError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'a non-Error value was thrown' };
  const code = (error as { code?: unknown }).code;
  const inner = (error as { driverError?: unknown }).driverError ?? error.cause;
  return {
    type: error.constructor.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(inner !== undefined && depth < 3 ? { cause: loggableError(inner, depth + 1) } : {}),
  };
}
