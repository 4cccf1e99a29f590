import { makePatch } from '@concord/shared';
import { DataSource } from 'typeorm';
// Migrations are compiled with the server, not an Nx library: reached by path on purpose.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { migrations } from '../../migrations';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../server/src/database/embedded-postgres';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { runMigrationsExclusively } from '../../server/src/database/run-migrations';
// Only the database helpers: this suite needs no app, so it keeps running while a feature module is broken.
import {
  createTestDatabase,
  describeE2E,
  type TestDatabase,
  testDatabaseKind,
} from '../support/test-database';

async function userTables(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name).filter((name) => name !== 'migrations');
}

/** Undoes the latest migrations down to and including `name`; answers how many were undone. */
async function undoThrough(dataSource: DataSource, name: string): Promise<number> {
  const position = migrations.findIndex((migration) => migration.name === name);
  const undone = migrations.length - position;
  for (let step = 0; step < undone; step += 1) await dataSource.undoLastMigration({ transaction: 'each' });
  return undone;
}

describeE2E(
  `migrations on ${testDatabaseKind() === 'postgres' ? 'PostgreSQL 15' : 'PGlite (PostgreSQL 18)'}`,
  () => {
    let database: TestDatabase;
    let embedded: EmbeddedPostgres | undefined;
    let dataSource: DataSource;

    beforeAll(async () => {
      database = await createTestDatabase();
      if (database.kind === 'embedded') embedded = await startEmbeddedPostgres(database.dataDir!);
      dataSource = new DataSource({
        type: 'postgres',
        url: database.databaseUrl ?? embedded!.url,
        migrations,
        migrationsTransactionMode: 'each',
        installExtensions: false,
        uuidExtension: 'pgcrypto',
        extra: { max: 1 },
      });
      await dataSource.initialize();
    });
    afterAll(async () => {
      await dataSource?.destroy();
      await embedded?.stop();
      await database?.drop();
    });

    it('runs every migration up from an empty database, in order, each once', async () => {
      expect(await userTables(dataSource)).toEqual([]);
      const applied = await dataSource.runMigrations();
      expect(applied.map((migration) => migration.name)).toEqual(
        migrations.map((migration) => migration.name),
      );
      expect(await userTables(dataSource)).toContain('users');
      expect(await dataSource.runMigrations()).toEqual([]);
    });

    it('the users table works as the app needs: gen_random_uuid() ids, unique usernames', async () => {
      const [row] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO users (username, display_name, password_hash) VALUES ('mig-user', 'Mig', 'x') RETURNING id`,
      );
      expect(row?.id).toMatch(/^[0-9a-f-]{36}$/);
      await expect(
        dataSource.query(
          `INSERT INTO users (username, display_name, password_hash) VALUES ('mig-user', 'Again', 'y')`,
        ),
      ).rejects.toMatchObject({ driverError: { code: '23505', constraint: 'users_username_key' } });
      await dataSource.query(`DELETE FROM users`);
    });

    it('compresses stored document texts with lz4 where the server is built with it, else keeps pglz', async () => {
      const [{ lz4 }] = await dataSource.query<{ lz4: boolean }[]>(
        `SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
      );
      const columns = await dataSource.query<{ table: string; compression: string }[]>(
        `SELECT attrelid::regclass::text AS table, attcompression AS compression FROM pg_attribute
        WHERE attname = 'content' AND attrelid IN ('documents'::regclass, 'document_versions'::regclass)
        ORDER BY 1`,
      );
      // '' is the server's default_toast_compression (pglz unless configured otherwise).
      const expected = lz4 ? 'l' : '';
      expect(columns).toEqual([
        { table: 'document_versions', compression: expected },
        { table: 'documents', compression: expected },
      ]);
    });

    it('stores versions as deltas: a version keeps its text or its patch; going down replays every text', async () => {
      const [{ id: userId }] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO users (username, display_name, password_hash) VALUES ('mig-deltas', 'Deltas', 'x') RETURNING id`,
      );
      const texts = ['one\n', 'one\ntwo\n', 'zero\none\ntwo\n', 'zero\none\n'];
      const [{ id: documentId }] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO documents (id, title, slug, content, version, state, owner_id, created_at, created_by, updated_at, updated_by)
         VALUES (gen_random_uuid(), 'Deltas', 'deltas', $1, $2, 'active', $3, now(), $3, now(), $3) RETURNING id`,
        [texts.at(-1), texts.length, userId],
      );
      for (const [index, text] of texts.entries()) {
        await dataSource.query(
          `INSERT INTO document_versions (document_id, version, title, content, state, patch, updated_at, updated_by)
           VALUES ($1, $2, 'Deltas', $3, 'active', $4, now(), $5)`,
          [documentId, index + 1, index === 0 ? text : null, makePatch(texts[index - 1] ?? '', text), userId],
        );
      }
      await expect(
        dataSource.query(
          `INSERT INTO document_versions (document_id, version, title, content, state, patch, updated_at, updated_by)
           VALUES ($1, 9, 'Deltas', NULL, 'active', NULL, now(), $2)`,
          [documentId, userId],
        ),
      ).rejects.toMatchObject({
        driverError: { code: '23514', constraint: 'document_versions_text_or_patch' },
      });

      const undone = await undoThrough(dataSource, 'VersionDeltas1764400000000');
      const replayed = await dataSource.query<{ content: string }[]>(
        `SELECT content FROM document_versions WHERE document_id = $1 ORDER BY version`,
        [documentId],
      );
      expect(replayed.map((row) => row.content)).toEqual(texts);
      expect(await dataSource.runMigrations()).toHaveLength(undone);
      await dataSource.query(`DELETE FROM documents`);
      await dataSource.query(`DELETE FROM users`);
    });

    it('keeps slugs unique per owner; going down gives a slug shared by several owners to its oldest document', async () => {
      const owners = await dataSource.query<{ id: string }[]>(
        `INSERT INTO users (username, display_name, password_hash)
         VALUES ('mig-slug-a', 'A', 'x'), ('mig-slug-b', 'B', 'x') RETURNING id`,
      );
      const insert = (owner: string, created: string) =>
        dataSource.query<{ id: string }[]>(
          `INSERT INTO documents (id, title, slug, content, version, state, owner_id, created_at, created_by, updated_at, updated_by)
           VALUES (gen_random_uuid(), 'Plan', 'plan', '', 1, 'active', $1, $2, $1, $2, $1) RETURNING id`,
          [owner, created],
        );
      const [[older], [newer]] = [
        await insert(owners[0].id, '2026-01-01T00:00:00Z'),
        await insert(owners[1].id, '2026-01-02T00:00:00Z'),
      ];
      await expect(insert(owners[0].id, '2026-01-03T00:00:00Z')).rejects.toMatchObject({
        driverError: { code: '23505', constraint: 'documents_owner_slug_key' },
      });

      const undone = await undoThrough(dataSource, 'SlugPerOwner1764500000000');
      const slugs = await dataSource.query<{ id: string; slug: string }[]>(`SELECT id, slug FROM documents`);
      expect(Object.fromEntries(slugs.map((row) => [row.id, row.slug]))).toEqual({
        [older.id]: 'plan',
        [newer.id]: `plan-${newer.id}`,
      });
      expect(await dataSource.runMigrations()).toHaveLength(undone);
      await dataSource.query(`DELETE FROM documents`);
      await dataSource.query(`DELETE FROM users`);
    });

    it('goes all the way down, leaving no tables, and up again to the same schema', async () => {
      const upSchema = await userTables(dataSource);
      for (let step = 0; step < migrations.length; step += 1)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await userTables(dataSource)).toEqual([]);
      const reapplied = await dataSource.runMigrations();
      expect(reapplied).toHaveLength(migrations.length);
      expect(await userTables(dataSource)).toEqual(upSchema);
    });
  },
);

if (testDatabaseKind() === 'postgres') {
  describeE2E('migrations: several instances booting at once on one PostgreSQL', () => {
    it('apply each migration exactly once (an advisory lock serialises them), and none fails', async () => {
      const database = await createTestDatabase('postgres');
      const instances = Array.from(
        { length: 3 },
        () => new DataSource({ type: 'postgres', url: database.databaseUrl!, migrations, extra: { max: 2 } }),
      );
      try {
        await Promise.all(instances.map((instance) => instance.initialize()));
        await Promise.all(instances.map((instance) => runMigrationsExclusively(instance, false)));
        const rows = await instances[0].query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id');
        expect(rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
      } finally {
        await Promise.all(
          instances.filter((instance) => instance.isInitialized).map((instance) => instance.destroy()),
        );
        await database.drop();
      }
    });
  });
}
