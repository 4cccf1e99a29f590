import type { DataSource, EntityManager } from 'typeorm';

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/**
 * Runs `work` in one transaction and commits, or rolls back on any throw.
 * Use ONLY the given manager inside: in embedded mode the pool has a single connection, so a
 * query through another repository would wait for this transaction forever.
 *
 * READ COMMITTED is PostgreSQL's default (the app never changes default_transaction_isolation),
 * so it is not named: TypeORM sends a named level as a separate SET TRANSACTION statement, one
 * round trip more per transaction.
 */
export function withTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  isolation: IsolationLevel = 'READ COMMITTED',
): Promise<T> {
  return isolation === 'READ COMMITTED'
    ? dataSource.transaction(work)
    : dataSource.transaction(isolation, work);
}
