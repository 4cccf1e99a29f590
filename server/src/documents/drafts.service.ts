import type { Draft, ListDraftsQuery, UserSummary } from '@concord/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { readVisible } from './document-access';
import { type DraftRow, select, toDraft } from './document-rows';
import { type DocumentsConfig, documentsConfig } from './documents.config';
import { MAX_VERSION } from './version-history';

export interface DraftBody {
  baseVersion: number | null;
  title: string | null;
  content: string | null;
  patch: string | null;
}

const DAY_MS = 86_400_000;
/**
 * Pruning scans the whole table (there is no index on created_at alone), so it runs at most this
 * often per process instead of on every 409; list() filters by age itself, so a draft past the
 * retention is never shown even before the next prune.
 */
const PRUNE_INTERVAL_MS = 60_000;

/**
 * The bodies of writes answered 409, kept for their author (CONTRACT §1: nothing typed is lost).
 * Drafts older than DRAFT_RETENTION_DAYS (at least 7) are never listed, and are deleted when
 * drafts are written or read, at most once per PRUNE_INTERVAL_MS.
 */
@Injectable()
export class DraftsService {
  private readonly logger = new Logger(DraftsService.name);
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(documentsConfig.KEY) private readonly config: DocumentsConfig,
  ) {}

  /**
   * Called outside any transaction: the rejected write's transaction has already rolled back.
   * A body identical to the author's latest draft of the document (a client resending the same
   * stale write) renews that draft's date instead of adding a copy: a retry loop then keeps one
   * draft, not one per attempt (up to MAX_DOCUMENT_BYTES each), and it is still kept for the
   * whole retention after the last 409.
   */
  async keep(user: UserSummary, documentId: string, body: DraftBody): Promise<void> {
    try {
      await this.dataSource.query(
        `WITH latest AS (
           SELECT id, base_version, title, content, patch FROM document_drafts
            WHERE document_id = $2 AND user_id = $3
            ORDER BY created_at DESC, id DESC LIMIT 1
         ), renewed AS (
           UPDATE document_drafts d SET created_at = $8 FROM latest
            WHERE d.id = latest.id
              AND latest.base_version IS NOT DISTINCT FROM $4 AND latest.title IS NOT DISTINCT FROM $5
              AND latest.content IS NOT DISTINCT FROM $6 AND latest.patch IS NOT DISTINCT FROM $7
           RETURNING d.id
         )
         INSERT INTO document_drafts (id, document_id, user_id, base_version, title, content, patch, created_at)
         SELECT $1::uuid, $2::uuid, $3::uuid, $4::integer, $5::text, $6::text, $7::text, $8::timestamptz
          WHERE NOT EXISTS (SELECT 1 FROM renewed)`,
        [
          randomUUID(),
          documentId,
          user.id,
          // A base beyond any version a document can have (the client's claim) does not bind.
          body.baseVersion !== null && body.baseVersion <= MAX_VERSION ? body.baseVersion : null,
          body.title,
          body.content,
          body.patch,
          new Date(),
        ],
      );
      await this.prune();
    } catch (error) {
      // The 409 itself must still reach the client (it carries the latest document); a draft that
      // could not be kept (e.g. the document was deleted meanwhile) is logged, not turned into a 500.
      this.logger.warn(`could not keep a draft for document ${documentId}: ${String(error)}`);
    }
  }

  /**
   * The caller's own drafts of a document they may see, newest first: all of them, or `limit`
   * older than the draft `before` (`hasMore`: older ones remain). A `before` that is not one of the
   * caller's drafts of this document (another's, or pruned) pages nothing: an empty page. A
   * draft renewed while a client pages (the same stale body refused again) moves to the top.
   */
  async list(
    user: UserSummary,
    documentId: string,
    query: ListDraftsQuery = {},
  ): Promise<{ items: Draft[]; hasMore: boolean }> {
    await readVisible(this.dataSource.manager, user, documentId);
    await this.prune();
    const params: unknown[] = [documentId, user.id, this.cutoff()];
    let page = '';
    if (query.before !== undefined) {
      params.push(query.before);
      page += ` AND (created_at, id) < (SELECT created_at, id FROM document_drafts
                  WHERE id = $${params.length} AND document_id = $1 AND user_id = $2)`;
    }
    let limit = '';
    if (query.limit !== undefined) {
      params.push(query.limit + 1);
      limit = ` LIMIT $${params.length}`;
    }
    const rows = await select<DraftRow>(
      this.dataSource.manager,
      `SELECT id, document_id, base_version, title, content, patch, created_at
         FROM document_drafts WHERE document_id = $1 AND user_id = $2 AND created_at >= $3${page}
        ORDER BY created_at DESC, id DESC${limit}`,
      params,
    );
    const hasMore = query.limit !== undefined && rows.length > query.limit;
    return { items: (hasMore ? rows.slice(0, query.limit) : rows).map(toDraft), hasMore };
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrunedAt < PRUNE_INTERVAL_MS) return;
    this.lastPrunedAt = Date.now();
    await this.dataSource.query(`DELETE FROM document_drafts WHERE created_at < $1`, [this.cutoff()]);
  }

  private cutoff(): Date {
    return new Date(Date.now() - this.config.draftRetentionDays * DAY_MS);
  }
}
