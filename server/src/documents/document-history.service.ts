import {
  type Change,
  type ConcordDocument,
  type ListVersionsQuery,
  type UserSummary,
  type VersionListItem,
  etagFor,
} from '@concord/shared';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ProblemError } from '../common/problem.error';
import { readVisible } from './document-access';
import {
  type VersionListRow,
  type VersionRow,
  select,
  toChange,
  toDocument,
  toVersionListItem,
} from './document-rows';
import { type DocumentsConfig, documentsConfig } from './documents.config';
import { MAX_VERSION, replayRowsSql, replayVersions, type StoredVersion } from './version-history';

/** The author columns of a version row (`v` joined with its author `u`), as VersionListRow names them. */
const VERSION_AUTHOR = `u.id AS updated_by_id, u.username AS updated_by_username, u.display_name AS updated_by_display_name`;

/**
 * Reads of a document's history (document_versions): the version list, a version as it was (the
 * merge base a client asks for), the changes since a version (HTTP and the socket catch-up), and
 * the stored texts and metadata the write path merges against. Writing history is the write
 * path's own statement (DocumentsService).
 */
@Injectable()
export class DocumentHistoryService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(documentsConfig.KEY) private readonly config: DocumentsConfig,
  ) {}

  /**
   * Newest first, older than `before` when given; `hasMore` when `limit` cut the list short. Only
   * what the list shows is read: no patches, no window over the whole history.
   */
  async listVersions(
    user: UserSummary,
    id: string,
    { limit, before }: ListVersionsQuery,
  ): Promise<{ items: VersionListItem[]; hasMore: boolean }> {
    await readVisible(this.dataSource.manager, user, id);
    // The page is cut from the (document_id, version) index first, then joined to its authors.
    const rows = await select<VersionListRow>(
      this.dataSource.manager,
      `SELECT v.version, v.updated_at, ${VERSION_AUTHOR}
         FROM (SELECT version, updated_at, updated_by FROM document_versions
                WHERE document_id = $1 AND version <= $2
                ORDER BY version DESC
                LIMIT $3) v
         JOIN users u ON u.id = v.updated_by
        ORDER BY v.version DESC`,
      [id, before === undefined ? MAX_VERSION : before - 1, limit === undefined ? null : limit + 1],
    );
    const hasMore = limit !== undefined && rows.length > limit;
    return { items: (hasMore ? rows.slice(0, limit) : rows).map(toVersionListItem), hasMore };
  }

  /** The document as it was at `version` (the merge base of a stale write). */
  async getVersion(user: UserSummary, id: string, version: number): Promise<ConcordDocument> {
    const current = await readVisible(this.dataSource.manager, user, id);
    const [row] = await select<Omit<VersionRow, 'patch' | 'previous_title'>>(
      this.dataSource.manager,
      `SELECT v.version, v.title, v.state, v.updated_at, ${VERSION_AUTHOR}
         FROM document_versions v JOIN users u ON u.id = v.updated_by
        WHERE v.document_id = $1 AND v.version = $2`,
      [id, version],
    );
    const stored = (await this.versionContents(this.dataSource.manager, id, [version])).get(version);
    if (row === undefined || stored === undefined) {
      throw ProblemError.notFound(`This document has no version ${version}.`);
    }
    return {
      ...toDocument(current),
      title: row.title,
      content: stored,
      version: row.version,
      state: row.state,
      updatedAt: row.updated_at.toISOString(),
      updatedBy: {
        id: row.updated_by_id,
        username: row.updated_by_username,
        displayName: row.updated_by_display_name,
      },
      etag: etagFor(id, row.version),
    };
  }

  /**
   * Accepted writes after `since`, oldest first; 410 history_pruned when `since` is more than
   * HISTORY_LIMIT versions back (a client that far behind is better served the whole document)
   * or the stored patches do not reach it (versions written before patches were kept).
   */
  async changesSince(user: UserSummary, id: string, since: number): Promise<Change[]> {
    const current = await readVisible(this.dataSource.manager, user, id);
    if (since >= current.version) return [];
    const rows =
      current.version - since > this.config.historyLimit
        ? []
        : await this.changeRows(this.dataSource.manager, id, since);
    // Contiguous from since+1 up to at least the version read (a write may have landed since).
    const complete =
      rows.length >= current.version - since &&
      rows.every((row, index) => row.version === since + 1 + index) &&
      rows.every((row): row is VersionRow & { patch: string } => row.patch !== null);
    if (!complete) {
      throw new ProblemError(
        'history_pruned',
        410,
        `The kept history no longer reaches version ${since}; fetch the whole document instead.`,
        { extensions: { currentVersion: current.version } },
      );
    }
    return rows.map((row) => toChange(row));
  }

  /** The texts of `versions` of the document, by version (missing ones are absent). */
  async versionContents(m: EntityManager, id: string, versions: number[]): Promise<Map<number, string>> {
    if (versions.length === 0) return new Map();
    const rows = await select<StoredVersion>(m, `${replayRowsSql('$1', '$2', '$3')} ORDER BY v.version`, [
      id,
      Math.min(...versions),
      Math.max(...versions),
    ]);
    return replayVersions(rows, versions);
  }

  /**
   * Metadata and patches (never the possibly large full contents) of the versions after `since`,
   * oldest first, each with the title before it: the window reads from `since` on, not the
   * whole history.
   */
  private changeRows(m: EntityManager, id: string, since: number): Promise<VersionRow[]> {
    return select<VersionRow>(
      m,
      `SELECT * FROM (
         SELECT v.version, v.title, v.state, v.patch, v.updated_at,
                lag(v.title) OVER (ORDER BY v.version) AS previous_title, ${VERSION_AUTHOR}
           FROM document_versions v JOIN users u ON u.id = v.updated_by
          WHERE v.document_id = $1 AND v.version >= $2) v
        WHERE v.version > $2
        ORDER BY v.version`,
      [id, since],
    );
  }

  /** The title and time of one stored version (absent: no such version). */
  async storedVersion(
    m: EntityManager,
    id: string,
    version: number,
  ): Promise<{ title: string; updated_at: Date } | undefined> {
    const [row] = await select<{ title: string; updated_at: Date }>(
      m,
      `SELECT title, updated_at FROM document_versions WHERE document_id = $1 AND version = $2`,
      [id, version],
    );
    return row;
  }
}
