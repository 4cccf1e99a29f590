import { createServer } from 'node:net';
import { RateLimitStorage } from './rate-limit-storage';

/** A port nothing listens on: Redis "down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Three hits against a limit of two, the last one's verdict. */
async function thirdHitBlocked(storage: RateLimitStorage, key: string): Promise<boolean[]> {
  const verdicts: boolean[] = [];
  for (let hit = 0; hit < 3; hit += 1) {
    verdicts.push((await storage.increment(key, 60_000, 2, 60_000, 'test')).isBlocked);
  }
  return verdicts;
}

describe('RateLimitStorage', () => {
  it('without Redis counts in memory', async () => {
    const storage = new RateLimitStorage(undefined, 'test:');
    try {
      await expect(thirdHitBlocked(storage, 'a')).resolves.toEqual([false, false, true]);
      await expect(thirdHitBlocked(storage, 'b')).resolves.toEqual([false, false, true]);
    } finally {
      storage.onApplicationShutdown();
    }
  });

  it('with Redis away counts in memory instead of failing or waiting for it', async () => {
    const storage = new RateLimitStorage(`redis://127.0.0.1:${await closedPort()}`, 'test:');
    try {
      await expect(thirdHitBlocked(storage, 'a')).resolves.toEqual([false, false, true]);
    } finally {
      storage.onApplicationShutdown();
    }
  });
});
