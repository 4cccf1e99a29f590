import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slugs unique per owner instead of across everyone. A global constraint told an outsider that
 * someone else's document had a given slug: an explicit slug answered 409 `slug_taken`, and a
 * title's generated slug came back numbered (`secret-plan-2`). An owner's own slugs still never
 * collide.
 */
export class SlugPerOwner1764500000000 implements MigrationInterface {
  name = 'SlugPerOwner1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE documents ADD CONSTRAINT documents_owner_slug_key UNIQUE (owner_id, slug)`,
    );
    await queryRunner.query(`ALTER TABLE documents DROP CONSTRAINT documents_slug_key`);
  }

  /** Unique across everyone again: a slug shared by several owners stays with its oldest document; the others get their id appended. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE documents d SET slug = d.slug || '-' || d.id
        WHERE EXISTS (SELECT FROM documents o WHERE o.slug = d.slug AND (o.created_at, o.id) < (d.created_at, d.id))`,
    );
    await queryRunner.query(`ALTER TABLE documents ADD CONSTRAINT documents_slug_key UNIQUE (slug)`);
    await queryRunner.query(`ALTER TABLE documents DROP CONSTRAINT documents_owner_slug_key`);
  }
}
