import { applyPatchStrict } from '@concord/shared';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versions stored as deltas (server/src/documents/version-history.ts): document_versions.content
 * is kept only on keyframes, every other version has just its patch from the one before, so a
 * version always has one or the other. Patches are no longer pruned (they are the history now),
 * which leaves the partial index of patched rows unused. Rows already stored all have their text
 * and stay as they are: each is a keyframe.
 */
export class VersionDeltas1764400000000 implements MigrationInterface {
  name = 'VersionDeltas1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX document_versions_patched_idx`);
    await queryRunner.query(`ALTER TABLE document_versions ALTER COLUMN content DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE document_versions ADD CONSTRAINT document_versions_text_or_patch
         CHECK (content IS NOT NULL OR patch IS NOT NULL)`,
    );
  }

  /** Gives every version its full text back (replayed from its keyframe), one document at a time. */
  async down(queryRunner: QueryRunner): Promise<void> {
    const documents: Array<{ document_id: string }> = await queryRunner.query(
      `SELECT DISTINCT document_id FROM document_versions WHERE content IS NULL`,
    );
    for (const { document_id: documentId } of documents) {
      const rows: Array<{ version: number; content: string | null; patch: string | null }> =
        await queryRunner.query(
          `SELECT version, content, patch FROM document_versions WHERE document_id = $1 ORDER BY version`,
          [documentId],
        );
      let text = '';
      for (const row of rows) {
        if (row.content !== null) {
          text = row.content;
          continue;
        }
        const applied = applyPatchStrict(text, row.patch ?? '');
        if (!applied.ok)
          throw new Error(`version ${row.version} of ${documentId} does not replay: ${applied.detail}`);
        text = applied.text;
        await queryRunner.query(
          `UPDATE document_versions SET content = $3 WHERE document_id = $1 AND version = $2`,
          [documentId, row.version, text],
        );
      }
    }
    await queryRunner.query(`ALTER TABLE document_versions DROP CONSTRAINT document_versions_text_or_patch`);
    await queryRunner.query(`ALTER TABLE document_versions ALTER COLUMN content SET NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX document_versions_patched_idx ON document_versions (document_id, version) WHERE patch IS NOT NULL`,
    );
  }
}
