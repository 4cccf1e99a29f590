import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootError } from '../config/env';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE } from './data-dir-lock';

describe('acquireDataDirLock', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'concord-lock-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates DATA_DIR with its parents and writes our pid into the lock; release removes it', () => {
    const dataDir = join(root, 'a', 'b');
    const lock = acquireDataDirLock(dataDir);
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('refuses a folder held by a live process, naming the folder and the pid', () => {
    const lock = acquireDataDirLock(root);
    try {
      expect(() => acquireDataDirLock(root)).toThrow(DataDirLockedError);
      expect(() => acquireDataDirLock(root)).toThrow(new RegExp(`${root}.*in use.*pid ${process.pid}`));
    } finally {
      lock.release();
    }
  });

  it('takes over a stale lock left by a dead process, or a garbage one', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    writeFileSync(join(root, LOCK_FILE), `${dead}\n`);
    const lock = acquireDataDirLock(root);
    expect(readFileSync(join(root, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    writeFileSync(join(root, LOCK_FILE), 'not a pid');
    acquireDataDirLock(root).release();
  });

  it('says in one line that DATA_DIR is a file, or below one, instead of throwing mkdir’s error', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    expect(() => acquireDataDirLock(file)).toThrow(BootError);
    expect(() => acquireDataDirLock(file)).toThrow(`DATA_DIR ${file} is not a folder this process can write (EEXIST`);
    expect(() => acquireDataDirLock(join(file, 'data'))).toThrow(/DATA_DIR .*a-file\/data is not a folder this process can write \(ENOTDIR/);
  });
});
