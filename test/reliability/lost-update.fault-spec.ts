// Lost-update check (Jepsen-style): 16 writers append unique marks to one document while the
// BUILT server is SIGKILLed midway and restarted on the same database (a new port). Afterwards
// every acknowledged mark is present exactly once, nothing is present twice, versions are
// contiguous and the /changes history replays to the final text. HTTP and socket writers,
// against the embedded database (the dead process's DATA_DIR lock is taken over) and PostgreSQL.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestDatabase,
  registerUser,
  spawnServer,
  type SpawnedServer,
  type TestDatabase,
} from '../support';
import { describeFault, documentWithEditors, occurrences, requirements, sleep } from './fault-support';
import { httpWriter, type Ledger, newLedger, readHistory, socketWriter, type Target } from './writers';

jest.setTimeout(120_000);

const WRITERS = 16;
const WRITES_PER_WRITER = 4;
/**
 * The write limits are already out of reach (spawnServer applies TEST_DEFAULT_ENV); the
 * per-socket edit rate is not, and the socket writers must not trip it by accident.
 */
const UNTHROTTLED_SOCKETS = { REALTIME_EDIT_RATE: '10000' };

type Transport = 'http' | 'socket';
type Kind = 'embedded' | 'postgres';

interface RunResult {
  ledger: Ledger;
  killedAfter: number;
  restartMs: number;
}

async function runWithKill(kind: Kind, transport: Transport): Promise<RunResult> {
  const database: TestDatabase = await createTestDatabase(kind);
  const env = { ...database.env, ...UNTHROTTLED_SOCKETS };
  let server: SpawnedServer | undefined = await spawnServer({ env, readyTimeoutMs: 60_000 });
  try {
    const target: Target = { url: server.url };
    const { document, users } = await documentWithEditors(server.url, WRITERS);
    const ledger = newLedger();
    const deadline = Date.now() + 90_000;
    const writer = transport === 'http' ? httpWriter : socketWriter;
    const writers = users.map((user, index) =>
      writer({
        target,
        ledger,
        documentId: document.id,
        token: user.token,
        name: `w${index}`,
        writes: WRITES_PER_WRITER,
        deadline,
      }),
    );
    // Midway: half of all writes acknowledged, then SIGKILL (no drain, no goodbye) and restart.
    const half = (WRITERS * WRITES_PER_WRITER) / 2;
    while (ledger.acknowledged.size < half && Date.now() < deadline) await sleep(5);
    const killedAfter = ledger.acknowledged.size;
    const killed = server;
    killed.kill('SIGKILL');
    const exit = await killed.exited;
    expect(exit.signal).toBe('SIGKILL');
    if (database.dataDir !== undefined) {
      // The dead process's lock is still there: the restart must take it over, not find it gone.
      const lock = join(database.dataDir, 'concord.lock');
      expect(existsSync(lock) && Number(readFileSync(lock, 'utf8').trim())).toBe(killed.pid);
    }
    const restartStarted = Date.now();
    server = await spawnServer({ env, readyTimeoutMs: 60_000 });
    target.url = server.url;
    const restartMs = Date.now() - restartStarted;
    await Promise.all(writers);

    const history = await readHistory(target, ledger, document.id, users[0].token);
    const text = history.document.content;
    const missing = [...ledger.acknowledged].filter((mark) => occurrences(text, mark) !== 1);
    const duplicated = [...ledger.attempted].filter((mark) => occurrences(text, mark) > 1);
    expect({ violations: ledger.violations, missing, duplicated }).toEqual({
      violations: [],
      missing: [],
      duplicated: [],
    });
    // Every write was either acknowledged or found after the crash: nothing was given up on.
    expect(ledger.acknowledged.size + ledger.foundAfterDoubt.size).toBe(WRITERS * WRITES_PER_WRITER);
    expect(history.versions).toEqual(Array.from({ length: history.document.version }, (_, i) => i + 1));
    expect(history.replayed).toBe(text);
    // The kill really happened midway: writes were acknowledged before and after it.
    expect(killedAfter).toBeGreaterThanOrEqual(half);
    expect(killedAfter).toBeLessThan(WRITERS * WRITES_PER_WRITER);
    // The restarted server still knows the users (tokens survive: same secret, same database).
    await registerUser(server.url);
    return { ledger, killedAfter, restartMs };
  } finally {
    await server?.stop();
    await database.drop();
  }
}

function report(label: string, result: RunResult): void {
  const { ledger } = result;
  console.log(
    `${label}: ${ledger.acknowledged.size} acknowledged, ${ledger.foundAfterDoubt.size} in doubt then found, ` +
      `killed after ${result.killedAfter}, restart ${result.restartMs} ms, ${ledger.networkErrors} dropped requests, ` +
      `statuses ${JSON.stringify(Object.fromEntries(ledger.statuses))}`,
  );
}

describeFault('lost-update check, SIGKILL midway, embedded database', [], () => {
  it('HTTP writers (GET, append, PUT If-Match, rebase on 409): every acknowledged mark once, contiguous, replayable', async () => {
    report('embedded/http', await runWithKill('embedded', 'http'));
  });
  it('socket writers (edit with merge: true): every acknowledged mark once, contiguous, replayable', async () => {
    report('embedded/socket', await runWithKill('embedded', 'socket'));
  });
});

describeFault('lost-update check, SIGKILL midway, PostgreSQL', [requirements.postgres], () => {
  it('HTTP writers (GET, append, PUT If-Match, rebase on 409): every acknowledged mark once, contiguous, replayable', async () => {
    report('postgres/http', await runWithKill('postgres', 'http'));
  });
  it('socket writers (edit with merge: true): every acknowledged mark once, contiguous, replayable', async () => {
    report('postgres/socket', await runWithKill('postgres', 'socket'));
  });
});
