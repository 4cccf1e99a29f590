import { Logger } from 'nestjs-pino';
import { createApp, type ConcordApp } from './app.factory';
import { BootError } from './config/env';

/** Operator mistakes (a setting, DATA_DIR, the database, the port) get one clear line; anything else the full error. */
function reportBootFailure(error: unknown): void {
  if (error instanceof BootError) console.error(`concord: ${error.message}`);
  else console.error('concord: failed to start:', error);
}

/** Boots Concord on PORT; SIGTERM/SIGINT drain in-flight requests and exit 0. */
async function main(): Promise<void> {
  let concord: ConcordApp;
  try {
    concord = await createApp();
  } catch (error) {
    reportBootFailure(error);
    process.exit(1);
  }
  let url: string;
  try {
    url = await concord.listen();
  } catch (error) {
    reportBootFailure(error);
    // Closes the embedded database cleanly and frees DATA_DIR's lock before exiting.
    await concord.close().catch(() => undefined);
    process.exit(1);
  }
  const { database, app } = concord.config;
  const logger = concord.app.get(Logger);
  logger.log(
    `Concord listening on ${url} (${database.embedded ? `embedded PostgreSQL in ${database.dataDir}` : 'PostgreSQL from DATABASE_URL'})`,
    'Main',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining in-flight requests (at most ${app.shutdownTimeoutMs} ms), then shutting down`, 'Main');
    // A last resort if closing itself hangs (a stuck driver): never outlive the bound by much.
    setTimeout(() => {
      console.error('concord: shutdown took too long; exiting');
      process.exit(1);
    }, app.shutdownTimeoutMs + 10_000).unref();
    concord.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('concord: error while shutting down:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
