import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
// migrations/ is not an Nx project but is compiled with the server (tsconfig.app.json), so a relative import is how it is reached.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { migrations } from '../../../migrations';
import { runMigrationsExclusively } from './run-migrations';

export interface DatabaseConnection {
  /** The PostgreSQL the app talks to: DATABASE_URL, or the embedded server's 127.0.0.1 URL. */
  url: string;
  embedded: boolean;
  poolMax: number;
  connectTimeoutMs: number;
}

export function typeOrmOptionsFor(connection: DatabaseConnection): TypeOrmModuleOptions {
  return {
    type: 'postgres',
    url: connection.url,
    autoLoadEntities: true,
    synchronize: false,
    migrations,
    // Run by dataSourceFactory below, under a lock, rather than by TypeORM's unlocked migrationsRun.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // gen_random_uuid() is built into PostgreSQL 13+; never try to CREATE EXTENSION (PGlite has no uuid-ossp).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Embedded: one connection (see embedded-postgres.ts). A dead database fails fast instead of hanging requests.
    extra: {
      max: connection.embedded ? 1 : connection.poolMax,
      connectionTimeoutMillis: connection.connectTimeoutMs,
      // Embedded: keep the one connection for good; closing and reopening it buys nothing there.
      idleTimeoutMillis: connection.embedded ? 0 : 30_000,
    },
    // Boot already waited for a real PostgreSQL, within DATABASE_CONNECT_TIMEOUT_MS (wait-for-database.ts);
    // retrying here would only add to that bound and log a stack per attempt.
    retryAttempts: 0,
    // Not 'error': TypeORM would log failed queries WITH their parameters (hashes, document bodies).
    logging: ['migration'],
  };
}

/** TypeORM on PostgreSQL; features add entities with `TypeOrmModule.forFeature([...])`. */
@Module({})
export class DatabaseModule {
  static forRoot(connection: DatabaseConnection): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => typeOrmOptionsFor(connection),
          dataSourceFactory: async (options) => {
            if (options === undefined) throw new Error('TypeORM options missing');
            const dataSource = await new DataSource(options).initialize();
            try {
              await runMigrationsExclusively(dataSource, connection.embedded);
            } catch (error) {
              await dataSource.destroy();
              throw error;
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
