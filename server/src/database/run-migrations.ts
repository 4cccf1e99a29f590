import type { DataSource, QueryRunner } from 'typeorm';
import { BootError } from '../config/env';

/** An arbitrary, fixed key: every Concord instance on one database contends for the same lock. */
const MIGRATION_LOCK_KEY = 7_302_651_918;

/**
 * Runs pending migrations. On a real PostgreSQL several instances may boot at once (a rolling
 * deploy), and TypeORM takes no lock of its own, so one session-level advisory lock serialises
 * them: the first migrates, the others wait and then find nothing to do. Embedded PGlite has no
 * advisory locks (one shared session) and needs none: DATA_DIR's lock file admits one process.
 */
export async function runMigrationsExclusively(dataSource: DataSource, embedded: boolean): Promise<void> {
  if (embedded) {
    await refuseNewerDatabase(dataSource);
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await refuseNewerDatabase(dataSource, runner);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * TypeORM runs what is pending and ignores applied migrations it does not know, so an older Concord
 * (a rollback, an old image, an old checkout on a newer DATA_DIR) would serve a schema it cannot read,
 * such as versions stored as deltas, and write rows the newer one cannot. It stops instead.
 */
async function refuseNewerDatabase(dataSource: DataSource, runner?: QueryRunner): Promise<void> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const query = <T>(sql: string, parameters?: unknown[]): Promise<T> =>
    runner ? runner.query(sql, parameters) : dataSource.query<T>(sql, parameters);
  const [{ present }] = await query<{ present: boolean }[]>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  if (!present) return;
  const known = new Set(dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name));
  const applied = await query<{ name: string }[]>(`SELECT name FROM "${table}" ORDER BY timestamp`);
  const unknown = applied.map((row) => row.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BootError(
      `the database was migrated by a newer Concord (migrations this version does not know: ${unknown.join(', ')}). ` +
        'Run that version, or restore a backup taken before it ran.',
    );
  }
}
