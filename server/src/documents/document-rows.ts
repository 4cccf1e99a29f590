import {
  type Change,
  type ConcordDocument,
  type DocumentListItem,
  type DocumentState,
  type Draft,
  type Member,
  type MemberRole,
  type UserSummary,
  type VersionListItem,
  etagFor,
} from '@concord/shared';
import type { EntityManager } from 'typeorm';
import type { PreparedStatement } from '../database/prepared-statement';

/**
 * Rows as the SQL in this folder selects them, and their mapping to the wire types. The
 * documents feature uses plain SQL (no TypeORM entities): the write path needs a conditional
 * UPDATE with an affected-row check, which the repository API cannot express (typeorm #2848).
 */
export interface DocumentRow {
  id: string;
  title: string;
  slug: string;
  content: string;
  version: number;
  state: DocumentState;
  owner_id: string;
  created_at: Date;
  updated_at: Date;
  updated_by_id: string;
  updated_by_username: string;
  updated_by_display_name: string;
  /** The reading user's role; null when they are not a member. */
  role: MemberRole | null;
}

/**
 * SELECT list for DocumentRow; needs `d` (documents), `u` (users: updated_by), `m` (members of
 * $user). `content` is the expression of the text, for a read that must not fetch it for everyone.
 */
export function documentColumns(content = 'd.content'): string {
  return `
  d.id, d.title, d.slug, ${content} AS content, d.version, d.state, d.owner_id, d.created_at, d.updated_at,
  u.id AS updated_by_id, u.username AS updated_by_username, u.display_name AS updated_by_display_name,
  m.role`;
}

/**
 * One document as user $2 may see it ($1: its id): the row with the updater and that user's
 * role; no row when not a member, exactly as when there is no such document. (With the role
 * outer-joined, a non-member's 404 fetched the whole text first: 8 ms more for a 1 MB document
 * than for an unknown id, which told an outsider that the id exists and roughly how large it is.)
 * Prepared: it is the read of every GET and socket join.
 */
export const VISIBLE_DOCUMENT: PreparedStatement = {
  name: 'concord_visible_document',
  text: `SELECT ${documentColumns()}
           FROM documents d
           JOIN users u ON u.id = d.updated_by
           JOIN document_members m ON m.document_id = d.id AND m.user_id = $2
          WHERE d.id = $1`,
};

export type ListRow = Omit<DocumentRow, 'content' | 'role'> & { role: MemberRole };

function withoutContent(row: Omit<DocumentRow, 'content' | 'role'>): Omit<ConcordDocument, 'content'> {
  return {
    id: row.id,
    title: row.title,
    slug: row.slug,
    version: row.version,
    state: row.state,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    updatedBy: {
      id: row.updated_by_id,
      username: row.updated_by_username,
      displayName: row.updated_by_display_name,
    },
    etag: etagFor(row.id, row.version),
  };
}

export function toDocument(row: DocumentRow): ConcordDocument {
  return { ...withoutContent(row), content: row.content };
}

export function toListItem(row: ListRow): DocumentListItem {
  return { ...withoutContent(row), role: row.role };
}

/** What the version list reads of each version. */
export interface VersionListRow {
  version: number;
  updated_at: Date;
  updated_by_id: string;
  updated_by_username: string;
  updated_by_display_name: string;
}

export interface VersionRow extends VersionListRow {
  title: string;
  state: DocumentState;
  patch: string | null;
  previous_title: string | null;
}

function author(row: VersionListRow): UserSummary {
  return {
    id: row.updated_by_id,
    username: row.updated_by_username,
    displayName: row.updated_by_display_name,
  };
}

export function toVersionListItem(row: VersionListRow): VersionListItem {
  return { version: row.version, updatedAt: row.updated_at.toISOString(), updatedBy: author(row) };
}

export function toChange(row: VersionRow & { patch: string }): Change {
  const change: Change = {
    baseVersion: row.version - 1,
    version: row.version,
    patch: row.patch,
    author: author(row),
    at: row.updated_at.toISOString(),
  };
  if (row.previous_title !== row.title) change.title = row.title;
  return change;
}

export interface DraftRow {
  id: string;
  document_id: string;
  base_version: number | null;
  title: string | null;
  content: string | null;
  patch: string | null;
  created_at: Date;
}

export function toDraft(row: DraftRow): Draft {
  return {
    id: row.id,
    documentId: row.document_id,
    baseVersion: row.base_version,
    title: row.title,
    content: row.content,
    patch: row.patch,
    createdAt: row.created_at.toISOString(),
  };
}

export interface MemberRow {
  user_id: string;
  username: string;
  display_name: string;
  role: MemberRole;
}

export function toMember(row: MemberRow): Member {
  return { user: { id: row.user_id, username: row.username, displayName: row.display_name }, role: row.role };
}

/** `manager.query` typed: the SQL beside each call decides the row shape. */
export async function select<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return manager.query<T[]>(sql, params);
}

/** Runs an UPDATE/DELETE and returns how many rows it touched (TypeORM's postgres driver gives [rows, count]). */
export async function execute(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const result = await manager.query<unknown>(sql, params);
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  if (Array.isArray(result)) return result.length;
  return 0;
}
