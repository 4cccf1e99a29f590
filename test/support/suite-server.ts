import type { AuthResponse } from '@concord/shared';
import { http, registerUser, type HttpClient, type HttpRequestOptions, type HttpResponse } from './http';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server';

export interface SuiteServerOptions extends TestServerOptions {
  /** How many fresh users to register once the server is up (`suite.users`). */
  users?: number;
  /** Runs before the server closes (e.g. closing the suite's sockets so the close does not wait on them). */
  beforeClose?: () => void | Promise<void>;
}

export interface SuiteServer {
  /** The running server; read it inside tests and hooks (it starts in beforeAll). */
  readonly server: TestServer;
  readonly url: string;
  /** An HTTP client for the server, safe to take at describe level: it resolves the server per request. */
  readonly api: HttpClient;
  /** The `users` registered in beforeAll, in order. */
  readonly users: AuthResponse[];
}

/**
 * One in-process server for the enclosing describe: started (and `users` registered) in
 * beforeAll, closed in afterAll. Call it at describe level, before hooks that use it.
 */
export function useSuiteServer(options: SuiteServerOptions = {}): SuiteServer {
  const { users: userCount = 0, beforeClose, ...serverOptions } = options;
  let server: TestServer | undefined;
  const users: AuthResponse[] = [];

  beforeAll(async () => {
    server = await startTestServer(serverOptions);
    const url = server.url;
    users.push(...(await Promise.all(Array.from({ length: userCount }, () => registerUser(url)))));
  });
  afterAll(async () => {
    await beforeClose?.();
    await server?.close();
  });

  const running = (): TestServer => {
    if (server === undefined)
      throw new Error('the suite server is not started: use it inside a test or a hook');
    return server;
  };
  function api<T = Record<string, unknown>>(
    path: string,
    requestOptions?: HttpRequestOptions,
  ): Promise<HttpResponse<T>> {
    return http(running().url)<T>(path, requestOptions);
  }
  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
    api,
    users,
  };
}
