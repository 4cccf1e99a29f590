import {
  type Change,
  type ConcordDocument,
  type UserSummary,
  type VersionListItem,
  etagFor,
} from '@concord/shared';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ProblemError } from '../common/problem.error';
import { readVisible } from './document-access';
import { type VersionRow, select, toChange, toDocument, toVersionListItem } from './document-rows';
import { type DocumentsConfig, documentsConfig } from './documents.config';
import { replayRowsSql, replayVersions, type StoredVersion } from './version-history';

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

  async listVersions(user: UserSummary, id: string): Promise<VersionListItem[]> {
    await readVisible(this.dataSource.manager, user, id);
    const rows = await this.versionRows(this.dataSource.manager, id, 'v.version >= 1', [], 'DESC');
    return rows.map(toVersionListItem);
  }

  /** The document as it was at `version` (the merge base of a stale write). */
  async getVersion(user: UserSummary, id: string, version: number): Promise<ConcordDocument> {
    const current = await readVisible(this.dataSource.manager, user, id);
    const [row] = await this.versionRows(this.dataSource.manager, id, 'v.version = $2', [version], 'ASC');
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
        : await this.versionRows(this.dataSource.manager, id, 'v.version > $2', [since], 'ASC');
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

  /** Version metadata and patches, never the (possibly large) full contents. */
  private versionRows(
    m: EntityManager,
    id: string,
    condition: string,
    params: unknown[],
    order: 'ASC' | 'DESC',
  ): Promise<VersionRow[]> {
    return select<VersionRow>(
      m,
      `SELECT * FROM (
         SELECT v.version, v.title, v.state, v.patch, v.updated_at,
                lag(v.title) OVER (ORDER BY v.version) AS previous_title,
                u.id AS updated_by_id, u.username AS updated_by_username, u.display_name AS updated_by_display_name
           FROM document_versions v JOIN users u ON u.id = v.updated_by
          WHERE v.document_id = $1) v
        WHERE ${condition}
        ORDER BY v.version ${order}`,
      [id, ...params],
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
