import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Documents, their full version history, membership, drafts of rejected writes and
 * Idempotency-Key records. Times are timestamptz(3): millisecond precision, so a time
 * round-trips exactly through a JavaScript Date (keyset cursors compare it for equality).
 */
export class Documents1764108000000 implements MigrationInterface {
  name = 'Documents1764108000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE documents (
        id          uuid PRIMARY KEY,
        title       text NOT NULL,
        slug        text NOT NULL,
        content     text NOT NULL,
        version     integer NOT NULL CHECK (version >= 1),
        state       text NOT NULL CHECK (state IN ('active', 'archived')),
        owner_id    uuid NOT NULL REFERENCES users (id),
        created_at  timestamptz(3) NOT NULL,
        created_by  uuid NOT NULL REFERENCES users (id),
        updated_at  timestamptz(3) NOT NULL,
        updated_by  uuid NOT NULL REFERENCES users (id),
        CONSTRAINT documents_slug_key UNIQUE (slug)
      )`);
    await queryRunner.query(`CREATE INDEX documents_updated_idx ON documents (updated_at DESC, id DESC)`);

    // One row per version with its full state (GET /versions/:v, the merge base) and the patch
    // from version-1 (NULL once pruned beyond HISTORY_LIMIT; for version 1 it is '' → content).
    await queryRunner.query(`
      CREATE TABLE document_versions (
        document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        version      integer NOT NULL,
        title        text NOT NULL,
        content      text NOT NULL,
        state        text NOT NULL,
        patch        text,
        updated_at   timestamptz(3) NOT NULL,
        updated_by   uuid NOT NULL REFERENCES users (id),
        PRIMARY KEY (document_id, version)
      )`);

    await queryRunner.query(`
      CREATE TABLE document_members (
        document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role         text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
        created_at   timestamptz(3) NOT NULL,
        PRIMARY KEY (document_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX document_members_user_idx ON document_members (user_id)`);

    await queryRunner.query(`
      CREATE TABLE document_drafts (
        id            uuid PRIMARY KEY,
        document_id   uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        base_version  integer,
        title         text,
        content       text,
        patch         text,
        created_at    timestamptz(3) NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX document_drafts_owner_idx ON document_drafts (document_id, user_id, created_at DESC)`,
    );

    // Idempotency-Key records: a 'pending' row is inserted first under the primary key, so two
    // concurrent requests with one key cannot both run.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        state         text NOT NULL CHECK (state IN ('pending', 'done')),
        status        integer,
        headers       jsonb,
        body          jsonb,
        created_at    timestamptz(3) NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE document_drafts`);
    await queryRunner.query(`DROP TABLE document_members`);
    await queryRunner.query(`DROP TABLE document_versions`);
    await queryRunner.query(`DROP TABLE documents`);
  }
}
