import { Logger } from 'nestjs-pino';
import { createApp, type ConcordApp } from './app.factory';
import { ConfigError } from './config/env';
import { DataDirLockedError } from './database/data-dir-lock';

/** Boots Concord on PORT; SIGTERM/SIGINT drain in-flight requests and exit 0. */
async function main(): Promise<void> {
  let concord: ConcordApp;
  try {
    concord = await createApp();
  } catch (error) {
    // Operator mistakes get one clear line; anything else the full error.
    if (error instanceof ConfigError || error instanceof DataDirLockedError) console.error(`concord: ${error.message}`);
    else console.error('concord: failed to start:', error);
    process.exit(1);
  }
  const url = await concord.listen();
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
