import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every save drops the patches that fall out of the HISTORY_LIMIT window
 * (`… WHERE document_id = $1 AND version <= $2 AND patch IS NOT NULL`). Through the primary key
 * that visits every older version of the document, so a save grew slower with the document's
 * history; this partial index holds only the rows that still carry a patch (≈ HISTORY_LIMIT
 * per document), so the retention step touches the one row leaving the window.
 */
export class VersionPatchIndex1764200000000 implements MigrationInterface {
  name = 'VersionPatchIndex1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX document_versions_patched_idx ON document_versions (document_id, version) WHERE patch IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX document_versions_patched_idx`);
  }
}
