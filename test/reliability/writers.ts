// Jepsen-style writers: each appends unique tokens to one document, over HTTP (GET, append, PUT
// If-Match, rebase on 409) or over the socket (edit with merge: true). They survive the server
// going away: a request whose outcome is unknown (the connection died) is "in doubt", and the
// writer re-reads the document before retrying so it never appends the same token twice.
import {
  applyPatchStrict,
  type Change,
  type ConcordDocument,
  type EditAck,
  type JoinAck,
  makePatch,
} from '@concord/shared';
import { io } from 'socket.io-client';
import type { ClientSocket } from '../e2e/realtime.helpers';
import { sleep } from './fault-support';

/** Where the server is now: a restart may move it to another port. */
export interface Target {
  url: string;
}

/** What the writers saw, for the checks at the end. */
export interface Ledger {
  /** Tokens whose write was answered 200 / ok:true. */
  acknowledged: Set<string>;
  /** Every token a writer tried to write. */
  attempted: Set<string>;
  /** Tokens whose write was in doubt, later found written when re-reading. */
  foundAfterDoubt: Set<string>;
  /** Status → count, over every HTTP answer or error ack. */
  statuses: Map<number, number>;
  /** Answers no client should ever get (5xx other than 503, 503 without Retry-After, hangs…). */
  violations: string[];
  /** Requests whose connection died (the server was killed or went away). */
  networkErrors: number;
}

export function newLedger(): Ledger {
  return {
    acknowledged: new Set(),
    attempted: new Set(),
    foundAfterDoubt: new Set(),
    statuses: new Map(),
    violations: [],
    networkErrors: 0,
  };
}

function count(ledger: Ledger, status: number): void {
  ledger.statuses.set(status, (ledger.statuses.get(status) ?? 0) + 1);
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A network-level failure: no HTTP answer at all. */
export class NoAnswer extends Error {}

/**
 * One request with a hard time bound: a hang is a violation, not a slow test. Any 5xx other
 * than a 503 problem+json with Retry-After is recorded as a violation too.
 */
export async function request(
  ledger: Ledger,
  target: Target,
  path: string,
  init: {
    method?: string;
    token: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs?: number;
  },
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      ledger.violations.push(
        `${init.method ?? 'GET'} ${path}: no answer within ${init.timeoutMs ?? 15_000} ms (a hang)`,
      );
    }
    ledger.networkErrors += 1;
    throw new NoAnswer(String(error));
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    ledger.networkErrors += 1;
    throw new NoAnswer(String(error));
  }
  count(ledger, response.status);
  const contentType = response.headers.get('content-type') ?? '';
  const body =
    /json/.test(contentType) && text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (response.status >= 500) {
    const proper =
      response.status === 503 &&
      contentType.startsWith('application/problem+json') &&
      body.code === 'service_unavailable' &&
      /^\d+$/.test(response.headers.get('retry-after') ?? '');
    if (!proper)
      ledger.violations.push(`${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 300)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** Waits a little before retrying after a 503, honouring Retry-After but capped (tests are bounded). */
function backoff(answer: Answer | undefined, attempt: number): Promise<void> {
  const hinted = Number(answer?.headers.get('retry-after') ?? 0) * 1000;
  return sleep(Math.min(Math.max(hinted, 50 * attempt), 500));
}

export interface WriterOptions {
  target: Target;
  ledger: Ledger;
  documentId: string;
  token: string;
  /** Token prefix, unique per writer. */
  name: string;
  writes: number;
  /** Give up (a violation) after this long: the suite must stay bounded. */
  deadline: number;
}

/** GET, append, PUT If-Match; on 409 rebase onto `current` and retry; on no answer re-read first. */
export async function httpWriter(options: WriterOptions): Promise<void> {
  const { target, ledger, documentId, token } = options;
  const path = `/api/documents/${documentId}`;
  for (let n = 0; n < options.writes; n += 1) {
    const mark = `<${options.name}-${n}>`;
    ledger.attempted.add(mark);
    let inDoubt = false;
    let attempt = 0;
    let document: ConcordDocument | undefined;
    while (true) {
      attempt += 1;
      if (Date.now() > options.deadline) {
        ledger.violations.push(`${mark}: not written before the deadline`);
        return;
      }
      try {
        if (document === undefined) {
          const read = await request(ledger, target, path, { token });
          if (read.status !== 200) {
            if (read.status !== 503) ledger.violations.push(`GET ${path}: ${read.status}`);
            await backoff(read, attempt);
            continue;
          }
          document = read.body as unknown as ConcordDocument;
          if (inDoubt && document.content.includes(mark)) {
            ledger.foundAfterDoubt.add(mark);
            break;
          }
          inDoubt = false;
        }
        const written = await request(ledger, target, path, {
          method: 'PUT',
          token,
          headers: { 'if-match': document.etag },
          body: { content: `${document.content}${mark}\n` },
        });
        if (written.status === 200) {
          ledger.acknowledged.add(mark);
          break;
        }
        if (written.status === 409 && written.body.code === 'stale_version') {
          document = written.body.current as ConcordDocument;
          continue;
        }
        if (written.status !== 503)
          ledger.violations.push(`PUT ${path}: ${written.status} ${JSON.stringify(written.body)}`);
        // A 503 may come from a connection lost after COMMIT reached the database: in doubt too.
        inDoubt = true;
        document = undefined;
        await backoff(written, attempt);
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        // A PUT whose answer never came may or may not have been written: re-read before retrying.
        inDoubt = true;
        document = undefined;
        await sleep(100);
      }
    }
  }
}

/** Connects with a bounded wait; rejects on connect_error. */
function connect(url: string, token: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, 5_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

/** Emits with an ack, failing fast when the connection drops instead of waiting out a timeout. */
export function emitAck<A>(
  socket: ClientSocket,
  event: 'join' | 'edit',
  payload: object,
  timeoutMs = 15_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject(new NoAnswer('not connected'));
      return;
    }
    const onDisconnect = (): void => {
      clearTimeout(timer);
      reject(new NoAnswer('disconnected while waiting for the ack'));
    };
    const timer = setTimeout(() => {
      socket.off('disconnect', onDisconnect);
      reject(new Error(`no ${event} ack within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('disconnect', onDisconnect);
    const emit = socket.emit as (event: string, payload: object, ack: (answer: A) => void) => void;
    emit.call(socket, event, payload, (answer: A) => {
      clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
      resolve(answer);
    });
  });
}

/** Sends edits with merge: true; on a drop reconnects (wherever the server now is) and re-joins. */
export async function socketWriter(options: WriterOptions): Promise<void> {
  const { target, ledger, documentId, token } = options;
  let socket: ClientSocket | undefined;
  let text = '';
  let version = 0;
  let doubted: string | undefined;

  const rejoin = async (): Promise<void> => {
    socket?.close();
    socket = undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (Date.now() > options.deadline)
        throw new Error(`${options.name}: could not re-join before the deadline`);
      try {
        const next = await connect(target.url, token);
        const joined = await emitAck<JoinAck>(next, 'join', { documentId });
        if (!joined.ok) {
          count(ledger, joined.error.status);
          next.close();
          if (joined.error.status !== 503) ledger.violations.push(`join: ${JSON.stringify(joined.error)}`);
          await sleep(Math.min(100 * attempt, 500));
          continue;
        }
        socket = next;
        text = joined.document.content;
        version = joined.document.version;
        return;
      } catch {
        ledger.networkErrors += 1;
        await sleep(Math.min(100 * attempt, 500));
      }
    }
  };

  try {
    await rejoin();
    for (let n = 0; n < options.writes; n += 1) {
      const mark = `<${options.name}-${n}>`;
      ledger.attempted.add(mark);
      while (true) {
        if (Date.now() > options.deadline) {
          ledger.violations.push(`${mark}: not written before the deadline`);
          return;
        }
        if (doubted === mark && text.includes(mark)) {
          ledger.foundAfterDoubt.add(mark);
          doubted = undefined;
          break;
        }
        doubted = undefined;
        const mine = `${text}${mark}\n`;
        let ack: EditAck;
        try {
          if (socket === undefined) throw new NoAnswer('no socket');
          ack = await emitAck<EditAck>(socket, 'edit', {
            documentId,
            baseVersion: version,
            patch: makePatch(text, mine),
            merge: true,
            clientEditId: mark,
          });
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          ledger.networkErrors += 1;
          doubted = mark;
          await rejoin();
          continue;
        }
        if (ack.ok) {
          count(ledger, 200);
          if (ack.merged === true && ack.patch !== undefined) {
            const applied = applyPatchStrict(mine, ack.patch);
            if (!applied.ok) throw new Error(`the merge patch of ${mark} does not apply: ${applied.detail}`);
            text = applied.text;
          } else {
            text = mine;
          }
          version = ack.version;
          ledger.acknowledged.add(mark);
          break;
        }
        count(ledger, ack.error.status);
        if (ack.error.status === 409 && ack.error.current !== undefined) {
          text = ack.error.current.content;
          version = ack.error.current.version;
        } else if (ack.error.status === 429 || ack.error.status === 503) {
          await sleep(Math.min(ack.error.retryAfterMs ?? 200, 500));
          if (ack.error.status === 503) {
            // As over HTTP: the edit may have been committed before the connection was lost.
            doubted = mark;
            await rejoin();
          }
        } else {
          ledger.violations.push(`edit ${mark}: ${JSON.stringify(ack.error)}`);
          await rejoin();
        }
      }
    }
  } finally {
    socket?.close();
  }
}

/** The final state's checks: each acknowledged mark once, nothing twice, contiguous versions, history replays. */
export interface HistoryReport {
  document: ConcordDocument;
  replayed: string;
  versions: number[];
}

export async function readHistory(
  target: Target,
  ledger: Ledger,
  documentId: string,
  token: string,
): Promise<HistoryReport> {
  const path = `/api/documents/${documentId}`;
  const final = await request(ledger, target, path, { token });
  const document = final.body as unknown as ConcordDocument;
  const listed = await request(ledger, target, `${path}/versions`, { token });
  const versions = (listed.body as unknown as { version: number }[])
    .map((item) => item.version)
    .sort((a, b) => a - b);
  const first = await request(ledger, target, `${path}/versions/1`, { token });
  const changes = await request(ledger, target, `${path}/changes?since=1`, { token });
  let replayed = (first.body as unknown as ConcordDocument).content;
  let expectedBase = 1;
  for (const change of changes.body as unknown as Change[]) {
    if (change.baseVersion !== expectedBase || change.version !== expectedBase + 1) {
      throw new Error(
        `history is not contiguous at ${expectedBase}: ${change.baseVersion} → ${change.version}`,
      );
    }
    const applied = applyPatchStrict(replayed, change.patch);
    if (!applied.ok) throw new Error(`version ${change.version} does not replay: ${applied.detail}`);
    replayed = applied.text;
    expectedBase = change.version;
  }
  if (expectedBase !== document.version)
    throw new Error(`the history ends at ${expectedBase}, the document is at ${document.version}`);
  return { document, replayed, versions };
}
