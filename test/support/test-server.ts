import type { INestApplication } from '@nestjs/common';
// The server is an application, not a library with an alias: tests reach its factory by path on purpose.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createApp } from '../../server/src/app.factory';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestServer {
  url: string;
  app: INestApplication;
  databaseUrl?: string;
  dataDir?: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. to restart on it); it is then NOT dropped on close. */
  database?: TestDatabase;
}

/** Settings that keep tests quiet and unthrottled unless a test asks otherwise. */
export const TEST_DEFAULT_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'error',
  AUTH_RATE_LIMIT: '100000',
  AUTH_ACCOUNT_RATE_LIMIT: '100000',
  // Load and fault suites send thousands of writes from 127.0.0.1; the write limits have their own tests.
  WRITE_RATE_LIMIT: '100000000',
  WRITE_RATE_LIMIT_PER_IP: '100000000',
  JWT_SECRET: 'concord-e2e-secret-concord-e2e-secret-0123',
};

/**
 * Concord in-process on 127.0.0.1 and an ephemeral port, against a fresh database of the
 * project's kind (CONCORD_TEST_DB). `close()` stops it and drops the database it created.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  try {
    const concord = await createApp({ env: { ...TEST_DEFAULT_ENV, ...database.env, PORT: '0', ...options.env } });
    const url = await concord.listen(0, '127.0.0.1');
    return {
      url,
      app: concord.app,
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      close: async () => {
        try {
          await concord.close();
        } finally {
          if (owned) await database.drop();
        }
      },
    };
  } catch (error) {
    if (owned) await database.drop();
    throw error;
  }
}
