interface Waiting<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit per key: at most one batch of a key runs at a time in this process, and what is
 * submitted for that key meanwhile waits and then goes in the next batch, together (at most
 * `maxBatch` at once). An item submitted to an idle key starts a batch of one at once, so a lone
 * writer waits for nothing. `run` answers each item of a batch on its own: one failing item does
 * not fail the others; a `run` that throws fails the whole batch.
 */
export class GroupCommit<I, R> {
  private readonly waiting = new Map<string, Array<Waiting<I, R>>>();

  constructor(
    private readonly run: (key: string, items: I[]) => Promise<Array<PromiseSettledResult<R>>>,
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
      let results: Array<PromiseSettledResult<R>>;
      try {
        results = await this.run(
          key,
          batch.map((waiting) => waiting.item),
        );
      } catch (error) {
        results = batch.map(() => ({ status: 'rejected', reason: error }));
      }
      batch.forEach((waiting, index) => {
        const result = results[index];
        if (result?.status === 'fulfilled') waiting.resolve(result.value);
        else waiting.reject(result ? result.reason : new Error('group commit: no result for an item'));
      });
    }
    this.waiting.delete(key);
  }
}
