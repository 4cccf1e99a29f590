/**
 * Classifies driver errors by SQLSTATE / socket code. TypeORM wraps pg errors in
 * QueryFailedError (`driverError`), so both the error and its driverError/cause are looked at.
 */
interface ErrorLike {
  name?: unknown;
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

function chain(error: unknown): ErrorLike[] {
  const seen: ErrorLike[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && seen.length < 5 && !seen.includes(current)) {
    const item = current as ErrorLike;
    seen.push(item);
    current = item.driverError ?? item.cause;
  }
  return seen;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  // pg's Client when connectionTimeoutMillis passes before the server answered the handshake.
  /^timeout expired$/i,
  /Client has encountered a connection error/i,
  /Connection is not established/i,
  /Too many connections/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
];

const RELEASED_RUNNER_ERRORS = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

/** The database is down, restarting or unreachable: the client should retry (503), not see a 500. */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return chain(error).some((item) => {
    const code = typeof item.code === 'string' ? item.code : '';
    // SQLSTATE class 08 = connection exception; 57P01-57P03 = admin shutdown / crash / cannot connect now.
    if (CONNECTION_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code)) return true;
    // TypeORM releases a query runner whose connection died; the transaction's next query then
    // throws one of these. Concord never reuses a runner it released itself, so they mean "connection lost".
    if (typeof item.name === 'string' && RELEASED_RUNNER_ERRORS.has(item.name)) return true;
    const message = typeof item.message === 'string' ? item.message : '';
    return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** A unique constraint said no (SQLSTATE 23505), optionally a named one. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return chain(error).some(
    (item) => item.code === '23505' && (constraint === undefined || item.constraint === constraint),
  );
}

/** PostgreSQL refused client text: NUL bytes or invalid UTF-8 (SQLSTATE 22021, 22P05). */
export function isUnstorableTextError(error: unknown): boolean {
  return chain(error).some((item) => item.code === '22021' || item.code === '22P05');
}

/** A foreign key still points at the row (SQLSTATE 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return chain(error).some((item) => item.code === '23503');
}
