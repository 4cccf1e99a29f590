import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';
import { pgPoolOf } from './pg-pool';

/**
 * A named statement: PostgreSQL parses and plans it once per pooled connection and then only
 * binds and executes it. For the document read (a three-table primary-key lookup) planning
 * cost about three times the execution: ≈ 290 µs of the database's CPU per unnamed query
 * against ≈ 70 µs prepared, on a machine where PostgreSQL shares the cores with the server.
 * `text` must never change under the same `name` (pg refuses a second text for a name).
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Runs a prepared statement straight through pg: TypeORM's `manager.query` cannot name a
 * statement (and adds a query runner per call). Inside a transaction (a manager with its own
 * query runner) it runs on that transaction's connection — in embedded mode the pool's only
 * one; otherwise on any pooled connection. Errors are pg's own (SQLSTATE in `code`), which the
 * problem renderer classifies like TypeORM's.
 */
export async function queryPrepared<T extends QueryResultRow>(
  manager: EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const query = { name: statement.name, text: statement.text, values };
  const client: PoolClient | Pool | undefined = manager.queryRunner
    ? ((await manager.queryRunner.connect()) as PoolClient)
    : pgPoolOf(manager.connection);
  if (client === undefined) {
    throw new Error('The data source has no pg pool: prepared statements need the postgres driver.');
  }
  return (await client.query<T>(query)).rows;
}
