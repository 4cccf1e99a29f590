import { type DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { requestIdOf } from './common/request-id.middleware';
import { appConfig, type AppConfig } from './config/app.config';
import { configModuleFor } from './config/config.module';
import type { Env } from './config/env';
import { type DatabaseConnection, DatabaseModule } from './database/database.module';
import { DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import { safeErrorSerializer } from './observability/log-redaction';
import { ObservabilityModule } from './observability/observability.module';
import { RealtimeModule } from './realtime/realtime.module';

/** Feature modules; add yours here (one line). */
const FEATURE_MODULES = [AuthModule, HealthModule, DocumentsModule, RealtimeModule, ObservabilityModule];

export interface AppModuleOptions {
  env: Env;
  database: DatabaseConnection;
}

/** Strips the query string: it could carry something private, and the path is what matters. */
function pathOf(url: string | undefined): string {
  return (url ?? '').split('?')[0] ?? '';
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModuleFor(options.env),
        LoggerModule.forRootAsync({
          inject: [appConfig.KEY],
          useFactory: (config: AppConfig) => ({
            pinoHttp: {
              level: config.logLevel,
              // requestIdMiddleware ran first; reuse its id so logs, headers and problems agree.
              genReqId: (request: IncomingMessage) => requestIdOf(request) ?? 'unknown',
              // Never log credentials or bodies: only method, path, status and timing.
              serializers: {
                req: (request: IncomingMessage & { id?: unknown }) => ({
                  id: request.id,
                  method: request.method,
                  path: pathOf(request.url),
                }),
                res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
                // A failed query's error carries its parameters (bodies, hashes): never print them.
                err: safeErrorSerializer,
              },
              redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], remove: true },
              customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
                error !== undefined || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
              autoLogging: { ignore: (request: IncomingMessage) => pathOf(request.url) === '/api/health' },
            },
          }),
        }),
        DatabaseModule.forRoot(options.database),
        // Domain events (document.changed / document.state) from the documents service to the gateway.
        EventEmitterModule.forRoot(),
        ...FEATURE_MODULES,
      ],
    };
  }
}
