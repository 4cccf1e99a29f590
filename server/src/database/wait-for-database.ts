import { Client } from 'pg';
import { BootError } from '../config/env';
import { isDatabaseUnavailableError } from './database-errors';

/** Between attempts on a database that is not up yet. */
const RETRY_DELAY_MS = 250;

/** DATABASE_URL fit for a log line: never its password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

/** pg's and Node's errors, in a few words: an ECONNREFUSED on a name with two addresses is an AggregateError with no message. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as NodeJS.ErrnoException;
  const nested =
    error instanceof AggregateError
      ? (error.errors as unknown[]).find((item) => item instanceof Error)
      : undefined;
  const message = error.message || (nested instanceof Error ? nested.message : '') || code || error.name;
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Boot's first contact with a real PostgreSQL, before anything else starts. One that is not up yet
 * (refused, unreachable, starting up, not answering) is tried again until DATABASE_CONNECT_TIMEOUT_MS
 * is spent; one that answers no (wrong password, unknown role or database) fails at once, since
 * waiting cannot change that. Either way the operator gets one line naming the database and the reason.
 */
export async function waitForDatabase(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: Math.max(deadline - Date.now(), 1),
    });
    // A connection that fails after connect() settled would otherwise be an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const where = redactDatabaseUrl(url);
      if (!isDatabaseUnavailableError(error)) {
        throw new BootError(`the database at ${where} refused the connection: ${reasonOf(error)}`);
      }
      if (Date.now() + RETRY_DELAY_MS >= deadline) {
        throw new BootError(
          `the database at ${where} did not answer within DATABASE_CONNECT_TIMEOUT_MS (${timeoutMs} ms): ${reasonOf(error)}`,
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
}
