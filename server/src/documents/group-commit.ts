/** One item's answer, or a promise of it that never rejects. */
export type Answer<R> = PromiseSettledResult<R> | Promise<PromiseSettledResult<R>>;

interface Waiting<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (reason: unknown) => void;
}

function settle<R>(waiting: Waiting<unknown, R>, result: PromiseSettledResult<R>): void {
  if (result.status === 'fulfilled') waiting.resolve(result.value);
  else waiting.reject(result.reason);
}

/**
 * Group commit per key: at most one batch of a key runs at a time in this process, and what is
 * submitted for that key meanwhile waits and then goes in the next batch, together (at most
 * `maxBatch` at once). An item submitted to an idle key starts a batch of one at once, so a lone
 * writer waits for nothing. `run` answers each item of a batch on its own: one failing item does
 * not fail the others; a `run` that throws fails the whole batch. An answer may still be settling
 * when `run` returns (a promise of it): the key's next batch starts without waiting for it.
 */
export class GroupCommit<I, R> {
  private readonly waiting = new Map<string, Array<Waiting<I, R>>>();

  constructor(
    private readonly run: (key: string, items: I[]) => Promise<Array<Answer<R>>>,
    private readonly maxBatch: number,
  ) {}

  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      const started: Array<Waiting<I, R>> = [{ item, resolve, reject }];
      this.waiting.set(key, started);
      void this.drain(key, started);
    });
  }

  /** Runs the key's batches one after another until nothing waits; the key is idle again then. */
  private async drain(key: string, queue: Array<Waiting<I, R>>): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      let results: Array<Answer<R>>;
      try {
        results = await this.run(
          key,
          batch.map((waiting) => waiting.item),
        );
      } catch (error) {
        results = batch.map(() => ({ status: 'rejected', reason: error }));
      }
      batch.forEach((waiting, index) => {
        const answer = results[index] ?? {
          status: 'rejected',
          reason: new Error('group commit: no result for an item'),
        };
        // A settled answer at once, before the next batch's run takes the event loop.
        if (answer instanceof Promise) void answer.then((result) => settle(waiting, result));
        else settle(waiting, answer);
      });
    }
    this.waiting.delete(key);
  }
}
