import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from '../database/pg-pool';
import { ProblemError } from './problem.error';

/** How long, past SHUTDOWN_TIMEOUT_MS, a request that may already have written gets to send its answer. */
export const ANSWER_GRACE_MS = 1000;

/** Statements that never commit a write (anything else outside a transaction commits on its own). */
const NEVER_COMMITS = /^\s*(SELECT|SHOW|START TRANSACTION|BEGIN|ROLLBACK)\b/i;

interface RequestInFlight {
  readonly socket: Socket;
  readonly response: ServerResponse;
  /** A statement that may commit was sent for it: its write may be done, so its answer must get out. */
  mayHaveWritten: boolean;
}

/**
 * SIGTERM's drain, for createApp's close(). Requests in flight get SHUTDOWN_TIMEOUT_MS to finish; then
 * connections are cut. A request cut there must never write afterwards: its client saw a connection
 * error, not an answer, and may send it again. So at the bound statements that may commit are refused
 * from then on (a transaction rolls back), and only requests that already sent one keep their connection,
 * ANSWER_GRACE_MS more, to deliver the answer to what they may have written.
 */
export class ShutdownDrain {
  private readonly context = new AsyncLocalStorage<RequestInFlight>();
  private readonly inFlight = new Set<RequestInFlight>();
  private readonly connections = new Set<Socket>();
  private draining = false;
  private cut = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Middleware, first in the chain: the rest of the request runs in its context, where the gate finds it. */
  readonly track = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const entry: RequestInFlight = { socket: request.socket, response, mayHaveWritten: false };
    this.inFlight.add(entry);
    response.once('close', () => this.inFlight.delete(entry));
    // Once draining, every answer says so: the client opens a new connection (refused cleanly, as the
    // listener is closed) instead of reusing this one just as it is closed under its next request.
    if (this.draining) response.shouldKeepAlive = false;
    this.context.run(entry, next);
  };

  /** Makes every statement on `dataSource` pass the gate (TypeORM has no hook for statements outside a transaction). */
  guard(dataSource: DataSource): void {
    const driver = dataSource.driver;
    const createQueryRunner = driver.createQueryRunner.bind(driver);
    driver.createQueryRunner = (mode) => {
      const runner = createQueryRunner(mode);
      const query = runner.query.bind(runner);
      runner.query = ((statement: string, ...rest: unknown[]) => {
        const mayCommit =
          statement === 'COMMIT' || (!runner.isTransactionActive && !NEVER_COMMITS.test(statement));
        if (mayCommit && !this.admitWrite()) {
          return Promise.reject(this.refusal());
        }
        return (query as (...args: unknown[]) => Promise<unknown>)(statement, ...rest);
      }) as typeof runner.query;
      return runner;
    };
    // Statements sent straight on the pg pool (database/prepared-statement.ts) pass the same gate.
    const pool = pgPoolOf(dataSource) as { query: (...args: unknown[]) => Promise<unknown> } | undefined;
    if (pool) {
      const poolQuery = pool.query.bind(pool);
      pool.query = (config: unknown, ...rest: unknown[]) => {
        const statement = typeof config === 'string' ? config : ((config as { text?: string }).text ?? '');
        if (!NEVER_COMMITS.test(statement) && !this.admitWrite()) return Promise.reject(this.refusal());
        return poolQuery(config, ...rest);
      };
    }
  }

  private refusal(): ProblemError {
    return ProblemError.serviceUnavailable('The server is shutting down; the request was not applied.');
  }

  /** SIGTERM: every answer from now on closes its connection (server.close() closes the idle ones). */
  startDraining(): void {
    this.draining = true;
    for (const { response, socket } of this.inFlight) {
      if (!response.headersSent) response.shouldKeepAlive = false;
      else response.once('finish', () => socket.end());
    }
  }

  /** The bound: no write starts any more; connections are cut except those of requests that may have written. */
  cutConnections(): void {
    this.cut = true;
    const answering = new Set(
      [...this.inFlight].filter((entry) => entry.mayHaveWritten).map((entry) => entry.socket),
    );
    for (const socket of this.connections) if (!answering.has(socket)) socket.destroy();
    if (answering.size > 0) setTimeout(() => this.server.closeAllConnections(), ANSWER_GRACE_MS).unref();
  }

  private admitWrite(): boolean {
    const request = this.context.getStore();
    if (this.cut && request?.mayHaveWritten !== true) return false;
    if (request !== undefined) request.mayHaveWritten = true;
    return true;
  }
}
