import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { bodyParserErrorHandler, jsonBodyParser } from './common/body-parser';
import { ProblemExceptionFilter } from './common/problem.filter';
import { ShutdownDrain } from './common/shutdown-drain';
import { answerClientErrorsWithProblems } from './common/client-error.handler';
import { REQUEST_ID_HEADER, requestIdMiddleware } from './common/request-id.middleware';
import { type AppConfig, loadAppConfig } from './config/app.config';
import { loadAuthConfig, parseAuthEnv } from './config/auth.config';
import { type DatabaseConfig, loadDatabaseConfig } from './config/database.config';
import { BootError, type Env } from './config/env';
import { loadRedisConfig } from './config/redis.config';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { waitForDatabase } from './database/wait-for-database';
import { loadDocumentsConfig } from './documents/documents.config';
import { MetricsService } from './observability/metrics.service';
import { setupOpenApi } from './observability/openapi.setup';
import { ConcordIoAdapter } from './realtime/concord-io.adapter';
import { loadRealtimeConfig } from './realtime/realtime.config';

export interface CreateAppOverrides {
  /** Merged over process.env (tests run several apps in one process, each with its own settings). */
  env?: Record<string, string | undefined>;
}

export interface ConcordApp {
  readonly app: NestExpressApplication;
  readonly config: { app: AppConfig; database: DatabaseConfig };
  /** The PostgreSQL URL in use (DATABASE_URL, or the embedded server's). */
  readonly databaseUrl: string;
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). */
  listen(port?: number, host?: string): Promise<string>;
  /** Drains in-flight requests (bounded by SHUTDOWN_TIMEOUT_MS, see ShutdownDrain), closes sockets, the pool and the embedded database. */
  close(): Promise<void>;
}

/** Headers a browser client on another origin must be able to read. */
const EXPOSED_HEADERS = ['ETag', 'Location', REQUEST_ID_HEADER, 'Retry-After', 'Preference-Applied'];

function findWorkspaceRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Paths that belong to the server, never to the web client's files or routes. */
const API_PATH = /^\/(api|socket\.io)(\/|$)/;

/** The built web client at `/`, and index.html for client-side routes (/login, /d/:id) — never for /api or /socket.io. */
function serveWebClient(app: NestExpressApplication, webDist: string): boolean {
  const index = join(webDist, 'index.html');
  if (!existsSync(index)) return false;
  const staticFiles = express.static(webDist, {
    index: false,
    setHeaders: (response, file) => {
      // Vite fingerprints assets, so they may be cached forever.
      if (file.includes(`${join(webDist, 'assets')}`)) response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    },
  });
  // API requests skip the file lookup: a stat of web/dist on every API GET cost ~5 % of the CPU.
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (API_PATH.test(request.path)) next();
    else void staticFiles(request, response, next);
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const isAppRoute =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !API_PATH.test(request.path) &&
      !/\.[^/]*$/.test(request.path);
    if (!isAppRoute) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return true;
}

/**
 * Builds and configures the Nest app — main.ts and the in-process test harness both use this.
 * Without DATABASE_URL an embedded PGlite is started first (it owns DATA_DIR's lock) and
 * stopped last, after the pool is closed.
 */
export async function createApp(overrides: CreateAppOverrides = {}): Promise<ConcordApp> {
  const env: Env = { ...process.env, ...overrides.env };
  // Every area's variables before anything starts: the modules read them again only inside Nest's
  // boot, where a bad value came out as a logged stack after the database had been opened.
  const appSettings = loadAppConfig(env);
  const databaseSettings = loadDatabaseConfig(env);
  const redisSettings = loadRedisConfig(env);
  const realtimeSettings = loadRealtimeConfig(env);
  loadDocumentsConfig(env);
  parseAuthEnv(env);
  if (databaseSettings.url !== undefined) {
    loadAuthConfig(env);
    await waitForDatabase(databaseSettings.url, databaseSettings.connectTimeoutMs);
  }

  let embedded: EmbeddedPostgres | undefined;
  let app: NestExpressApplication | undefined;
  try {
    if (databaseSettings.embedded) {
      embedded = await startEmbeddedPostgres(databaseSettings.dataDir);
      // Only now, with DATA_DIR locked: it may generate and store the JWT secret there.
      loadAuthConfig(env);
    }
    const databaseUrl = databaseSettings.url ?? embedded?.url ?? '';
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        env,
        database: {
          url: databaseUrl,
          embedded: databaseSettings.embedded,
          poolMax: databaseSettings.poolMax,
          connectTimeoutMs: databaseSettings.connectTimeoutMs,
        },
      }),
      // abortOnError false: a failed boot throws to the caller instead of killing the process (tests).
      // autoFlushLogs false: a failed boot does not dump the buffered lines through Nest's coloured console
      // logger; the caller reports the error (main.ts: one line for a BootError). They go to pino below.
      { bufferLogs: true, autoFlushLogs: false, bodyParser: false, abortOnError: false },
    );
    const nest = app;
    nest.useLogger(nest.get(Logger));
    nest.flushLogs();
    // First: tracks each request in flight and whether it may have written, for the shutdown drain.
    const drain = new ShutdownDrain(nest.getHttpServer());
    nest.use(drain.track);
    nest.disable('x-powered-by');
    nest.set('trust proxy', appSettings.trustProxy);
    nest.use(requestIdMiddleware);
    // Counts every request (route pattern, status, 409 code) once its response is finished.
    nest.use(nest.get(MetricsService).httpMiddleware());
    // Plain HTTP is how `npm start` serves (TLS, if any, ends at a proxy): helmet's default
    // `upgrade-insecure-requests` would make a browser on http://host:3000 fetch the client's
    // own scripts over https and show a blank page. HSTS is likewise the TLS proxy's call.
    nest.use(
      helmet({
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
        strictTransportSecurity: false,
      }),
    );
    if (appSettings.corsOrigins.length > 0) {
      nest.enableCors({
        origin: appSettings.corsOrigins.includes('*') ? true : appSettings.corsOrigins,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      });
    }
    nest.use(jsonBodyParser(appSettings.maxDocumentBytes));
    nest.use(bodyParserErrorHandler());
    const webDist = resolve(appSettings.webDist ?? join(findWorkspaceRoot(__dirname), 'web', 'dist'));
    const servingWeb = serveWebClient(nest, webDist);
    nest.useGlobalFilters(new ProblemExceptionFilter());
    // /api/openapi.json and /api/docs, from the shared zod schemas (observability/).
    setupOpenApi(nest);
    // socket.io: message size from MAX_DOCUMENT_BYTES, origin allow-list, Redis adapter (realtime/).
    nest.useWebSocketAdapter(
      new ConcordIoAdapter(nest, {
        maxDocumentBytes: appSettings.maxDocumentBytes,
        corsOrigins: appSettings.corsOrigins,
        redisUrl: redisSettings.url,
        redisKey: realtimeSettings.redisKey,
      }),
    );
    await nest.init();
    drain.guard(nest.get(DataSource));
    answerClientErrorsWithProblems(nest.getHttpServer());
    if (!servingWeb) nest.get(Logger).warn(`No built web client at ${webDist}; serving the API only.`);

    let closing: Promise<void> | undefined;
    const stopEmbedded = embedded;
    return {
      app: nest,
      config: { app: appSettings, database: databaseSettings },
      databaseUrl,
      async listen(port = appSettings.port, host = appSettings.host) {
        try {
          await nest.listen(port, host);
        } catch (error) {
          // EADDRINUSE, EACCES (a port below 1024), ENOTFOUND or EADDRNOTAVAIL (a HOST that is not this machine's).
          throw new BootError(`cannot listen on HOST ${host} PORT ${port}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const address = nest.getHttpServer().address() as AddressInfo;
        const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        return `http://${shownHost}:${address.port}`;
      },
      close() {
        closing ??= (async () => {
          drain.startDraining();
          // In-flight requests get SHUTDOWN_TIMEOUT_MS to finish; then connections are cut (see ShutdownDrain).
          const force = setTimeout(() => drain.cutConnections(), appSettings.shutdownTimeoutMs);
          force.unref();
          // server.close() drops only the connections idle at that moment; keep-alive ones that go idle later
          // (socket.io's polling requests, which bypass the drain's Connection: close) would hold the exit for keepAliveTimeout.
          const server: Server = nest.getHttpServer();
          const sweep = setInterval(() => server.closeIdleConnections(), 50);
          sweep.unref();
          try {
            await nest.close();
          } finally {
            clearTimeout(force);
            clearInterval(sweep);
            await stopEmbedded?.stop();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}
