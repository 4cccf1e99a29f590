import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * TypeORM's pg pool (its postgres driver's `master`): the connections TypeORM itself uses.
 * Undefined before the data source is initialized or with another driver. TypeORM has no public
 * accessor for it; prepared statements, the shutdown drain and the pool metrics all need it.
 */
export function pgPoolOf(dataSource: DataSource): Pool | undefined {
  if (!dataSource.isInitialized) return undefined;
  const pool: unknown = (dataSource.driver as unknown as { master?: unknown }).master;
  return typeof pool === 'object' && pool !== null && typeof (pool as Partial<Pool>).query === 'function'
    ? (pool as Pool)
    : undefined;
}
