import type { DataSource } from 'typeorm';

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
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
