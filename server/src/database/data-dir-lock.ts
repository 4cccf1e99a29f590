import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootError } from '../config/env';

export const LOCK_FILE = 'concord.lock';

/** Another live process holds DATA_DIR: two writers on one PGlite folder would corrupt it. */
export class DataDirLockedError extends BootError {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by another Concord process (pid ${holderPid}). ` +
        'Stop that process, or give this one its own DATA_DIR (or a DATABASE_URL).',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** DATA_DIR is a file, or a folder this user may not create or write: the operator's to fix, in one line. */
function unusable(dataDir: string, error: unknown): Error {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === undefined) return error as Error;
  return new BootError(`DATA_DIR ${dataDir} is not a folder this process can write (${code}: ${message})`);
}

/**
 * Takes DATA_DIR/concord.lock (O_EXCL, holding our pid). PGlite itself locks nothing, so this
 * is what keeps a second server off a folder in use; a lock left by a dead pid is taken over.
 * Our own pid counts as alive: two apps in one process must not share a folder either.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw unusable(dataDir, error);
  }
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, error);
    }
    const holder = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder))
      throw new DataDirLockedError(dataDir, holder);
    // Stale (dead pid or garbage): remove it and race for it again.
    rmSync(file, { force: true });
  }
  throw new Error(`Could not take the lock ${file}: another process keeps taking it`);
}
