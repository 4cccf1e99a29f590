import type { UserSummary } from '@concord/shared';
import type { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-statement';
import { documentNotFound } from './document-problems';
import { type DocumentRow, VISIBLE_DOCUMENT } from './document-rows';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can name a document or a user at all (both are named by UUIDs). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** A malformed id answers like an unknown one (404, no existence leak), before any query binds it. */
export function checkDocumentId(id: string): void {
  if (!isUuid(id)) throw documentNotFound();
}

/**
 * Row-locks the bare document row. Not FOR UPDATE on the joined read: after waiting for another
 * writer, that would re-check the join against the *old* users row and drop the document (a
 * false 404).
 */
export async function lockRow(m: EntityManager, id: string): Promise<void> {
  await m.query(`SELECT id FROM documents WHERE id = $1 FOR UPDATE`, [id]);
}

/**
 * The document with `user`'s role if they are a member; 404 otherwise (also for unknown and
 * malformed ids: no existence leak). `lock` row-locks it first (inside a transaction).
 */
export async function readVisible(
  m: EntityManager,
  user: UserSummary,
  id: string,
  lock = false,
): Promise<DocumentRow> {
  checkDocumentId(id);
  if (lock) await lockRow(m, id);
  const [row] = await queryPrepared<DocumentRow>(m, VISIBLE_DOCUMENT, [id, user.id]);
  if (row === undefined || row.role === null) throw documentNotFound();
  return row;
}
