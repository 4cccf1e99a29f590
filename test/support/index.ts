export { http, registerUser, uniqueUsername, type HttpClient, type HttpResponse } from './http';
export { BUILT_SERVER, freePort, spawnServer, type SpawnedServer, type SpawnServerOptions } from './spawn-server';
export {
  createTestDatabase,
  databaseUnavailableReason,
  describeE2E,
  isPostgresReachable,
  POSTGRES_ADMIN_URL,
  testDatabaseKind,
  type CreateTestDatabaseOptions,
  type TestDatabase,
  type TestDatabaseKind,
} from './test-database';
export { useSuiteServer, type SuiteServer, type SuiteServerOptions } from './suite-server';
export { startTestServer, TEST_DEFAULT_ENV, type TestServer, type TestServerOptions } from './test-server';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
