import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { ShutdownDrain } from './shutdown-drain';

/** A DataSource whose runners only record the statements that reached the database. */
function recordingDataSource(sent: string[]): DataSource {
  const createQueryRunner = () => {
    const runner = {
      isTransactionActive: false,
      query: (statement: string) => {
        if (statement === 'START TRANSACTION') runner.isTransactionActive = true;
        if (statement === 'COMMIT' || statement === 'ROLLBACK') runner.isTransactionActive = false;
        sent.push(statement);
        return Promise.resolve([]);
      },
    };
    return runner;
  };
  // The pg pool, for statements sent on it directly (prepared statements).
  const master = {
    query: (config: { text: string }) => {
      sent.push(config.text);
      return Promise.resolve({ rows: [] });
    },
  };
  return { isInitialized: true, driver: { createQueryRunner, master } } as unknown as DataSource;
}

function post(
  port: number,
  path: string,
): Promise<{ status: number; connection: string | undefined } | 'cut'> {
  return new Promise((resolve) => {
    const sent = request({ port, host: '127.0.0.1', path, method: 'POST' }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
      );
    });
    sent.on('error', () => resolve('cut'));
    sent.end();
  });
}

describe('ShutdownDrain', () => {
  let server: Server;
  let port: number;
  let drain: ShutdownDrain;
  let sent: string[];
  let dataSource: DataSource;
  let handling: Promise<void>[];
  let arrived: Promise<void>;
  let proceed: () => void;

  beforeEach(async () => {
    sent = [];
    handling = [];
    let arrivals = 0;
    let allArrived: () => void = () => undefined;
    arrived = new Promise((resolve) => (allArrived = resolve));
    const released = new Promise<void>((resolve) => (proceed = resolve));
    server = createServer();
    drain = new ShutdownDrain(server);
    dataSource = recordingDataSource(sent);
    drain.guard(dataSource);
    // /wrote: an autocommit write, then waits, then another; /late: waits, then a transaction.
    const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
      const runner = dataSource.driver.createQueryRunner('master');
      try {
        if (incoming.url === '/wrote') await runner.query('INSERT INTO wrote VALUES (1)');
        if (++arrivals === 2) allArrived();
        await released;
        if (incoming.url === '/wrote') {
          await runner.query('INSERT INTO wrote VALUES (2)');
        } else {
          await runner.query('START TRANSACTION');
          await runner.query('INSERT INTO late VALUES (1)');
          await runner.query('COMMIT').catch(async (error: unknown) => {
            await runner.query('ROLLBACK');
            throw error;
          });
        }
        response.end('done');
      } catch {
        response.statusCode = 503;
        response.end();
      }
    };
    server.on('request', (incoming: IncomingMessage, response: ServerResponse) =>
      drain.track(incoming, response, () => handling.push(handle(incoming, response))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('at the bound cuts a request that has not written, which then never commits; one that has written still answers', async () => {
    const wrote = post(port, '/wrote');
    const late = post(port, '/late');
    await arrived;
    drain.startDraining();
    drain.cutConnections();
    proceed();
    expect(await late).toBe('cut');
    expect(await wrote).toEqual({ status: 200, connection: 'close' });
    await Promise.all(handling);
    expect(sent.filter((statement) => statement !== 'ROLLBACK')).toEqual([
      'INSERT INTO wrote VALUES (1)',
      'INSERT INTO wrote VALUES (2)',
      'START TRANSACTION',
      'INSERT INTO late VALUES (1)',
    ]);
    expect(sent).toContain('ROLLBACK');
    expect(sent).not.toContain('COMMIT');
  });

  it('before the bound lets every write through, and answers once draining with Connection: close', async () => {
    const wrote = post(port, '/wrote');
    const late = post(port, '/late');
    await arrived;
    drain.startDraining();
    proceed();
    expect(await late).toEqual({ status: 200, connection: 'close' });
    expect(await wrote).toEqual({ status: 200, connection: 'close' });
    expect(sent).toContain('COMMIT');
  });

  it('gates statements sent straight on the pool the same way: after the bound a write is refused, a read is not', async () => {
    const pool = (
      dataSource.driver as unknown as { master: { query: (config: { text: string }) => Promise<unknown> } }
    ).master;
    await pool.query({ text: 'WITH updated AS (UPDATE documents SET version = 2) SELECT 1' });
    drain.startDraining();
    drain.cutConnections();
    await expect(
      pool.query({ text: 'WITH updated AS (UPDATE documents SET version = 3) SELECT 1' }),
    ).rejects.toMatchObject({
      status: 503,
    });
    await pool.query({ text: 'SELECT 1' });
    expect(sent).toEqual(['WITH updated AS (UPDATE documents SET version = 2) SELECT 1', 'SELECT 1']);
    proceed();
  });
});
