import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
// The embedded database helper only (no app): to build the template below.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { PGDATA_SUBDIR, startEmbeddedPostgres } from '../../server/src/database/embedded-postgres';

export type TestDatabaseKind = 'postgres' | 'embedded';

/** The PostgreSQL the postgres project uses (trust auth, see the house rules). */
export const POSTGRES_ADMIN_URL = process.env.CONCORD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The database the Jest project selects (test/jest.e2e.cjs sets the global). */
export function testDatabaseKind(): TestDatabaseKind {
  const kind = (globalThis as { CONCORD_TEST_DB?: unknown }).CONCORD_TEST_DB;
  return kind === 'postgres' ? 'postgres' : 'embedded';
}

let postgresReachable: boolean | undefined;

/** Checked synchronously (a child process) so a describe block can be skipped at collection time. */
export function isPostgresReachable(): boolean {
  if (postgresReachable !== undefined) return postgresReachable;
  const url = new URL(POSTGRES_ADMIN_URL);
  const probe = `const s=require('node:net').connect(${Number(url.port || 5432)},${JSON.stringify(url.hostname)});` +
    `s.setTimeout(2000,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  postgresReachable = spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
  return postgresReachable;
}

let warned = false;

/**
 * Whether this project's database can be used. PostgreSQL missing: under CI=true that is a
 * failure (the caller's test throws); otherwise the suite is skipped with a loud warning.
 */
export function databaseUnavailableReason(): string | undefined {
  if (testDatabaseKind() !== 'postgres' || isPostgresReachable()) return undefined;
  const reason = `PostgreSQL is not reachable at ${new URL(POSTGRES_ADMIN_URL).host}`;
  if (!warned && process.env.CI !== 'true') {
    warned = true;
    console.warn(`\n!!! SKIPPING the e2e:postgres suites: ${reason}. Start PostgreSQL, or run with CI=true to fail instead. !!!\n`);
  }
  return reason;
}

/**
 * `describe`, unless this project's database is missing outside CI (skipped loudly). Under
 * CI=true a missing database fails the suite instead of hiding it.
 */
export function describeE2E(name: string, body: () => void): void {
  const reason = databaseUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs its database', () => {
        throw new Error(`${reason} (CI=true: a missing service fails the run)`);
      });
    });
  } else {
    describe.skip(name, body);
  }
}

export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  /** The variables that point a server at it: DATABASE_URL, or DATA_DIR for the embedded one. */
  readonly env: Record<string, string>;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A freshly initialised (initdb'd, no migrations) PGlite folder, cached under node_modules/.cache:
 * copying it takes a fraction of the seconds PGlite's initdb takes, which adds up over every
 * embedded test server on a 2-core machine. Built once, atomically (rename), shared by workers.
 */
const TEMPLATE_DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'concord', 'pglite-0.5.14-template');
let template: Promise<string> | undefined;

function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    if (existsSync(join(TEMPLATE_DIR, 'PG_VERSION'))) return TEMPLATE_DIR;
    mkdirSync(join(TEMPLATE_DIR, '..'), { recursive: true });
    const scratch = mkdtempSync(`${TEMPLATE_DIR}-build-`);
    const embedded = await startEmbeddedPostgres(scratch);
    await embedded.stop();
    try {
      renameSync(join(scratch, PGDATA_SUBDIR), TEMPLATE_DIR);
    } catch (error) {
      // Another worker got there first: theirs is as good as ours.
      if (!existsSync(join(TEMPLATE_DIR, 'PG_VERSION'))) throw error;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return TEMPLATE_DIR;
  })();
  return template;
}

export interface CreateTestDatabaseOptions {
  /** Embedded: run PGlite's own initdb instead of copying the cached template. */
  fresh?: boolean;
}

/** A fresh, uniquely named PostgreSQL database, or a fresh temp DATA_DIR, per the project. */
export async function createTestDatabase(
  kind: TestDatabaseKind = testDatabaseKind(),
  options: CreateTestDatabaseOptions = {},
): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const root = mkdtempSync(join(tmpdir(), 'concord-e2e-'));
    // Fresh: a parent that does not exist yet, so the server must create DATA_DIR's parents itself.
    const dataDir = join(root, 'nested', 'data');
    if (options.fresh !== true) cpSync(await pgliteTemplate(), join(dataDir, PGDATA_SUBDIR), { recursive: true });
    return {
      kind,
      env: { DATA_DIR: dataDir },
      dataDir,
      drop: () => Promise.resolve(rmSync(root, { recursive: true, force: true })),
    };
  }
  const reason = databaseUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const name = `concord_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    kind,
    env: { DATABASE_URL: databaseUrl },
    databaseUrl,
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
