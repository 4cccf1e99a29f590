import { type DynamicModule } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { loadAppConfig } from './app.config';
import { loadAuthConfig } from './auth.config';
import { loadDatabaseConfig } from './database.config';
import type { Env } from './env';
import { loadRedisConfig } from './redis.config';
import { loadDocumentsConfig } from '../documents/documents.config';
import { loadRealtimeConfig } from '../realtime/realtime.config';

/**
 * Every area read once, from one environment: process.env in production, a test's merged
 * overrides in-process. The `registerAs` keys match the exported `xConfig.KEY` tokens.
 */
export function configModuleFor(env: Env): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    load: [
      registerAs('app', () => loadAppConfig(env)),
      registerAs('database', () => loadDatabaseConfig(env)),
      registerAs('auth', () => loadAuthConfig(env)),
      registerAs('redis', () => loadRedisConfig(env)),
      registerAs('documents', () => loadDocumentsConfig(env)),
      registerAs('realtime', () => loadRealtimeConfig(env)),
    ],
  });
}
