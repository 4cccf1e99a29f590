import { type Answer, GroupCommit } from './group-commit';

/** A run whose batches stay open until the test settles them, recording what each held. */
function harness(maxBatch = 10) {
  const batches: Array<{
    key: string;
    items: string[];
    settle: (results: Array<Answer<string>>) => void;
    fail: (error: Error) => void;
  }> = [];
  const group = new GroupCommit<string, string>(
    (key, items) =>
      new Promise((resolve, reject) => {
        batches.push({ key, items, settle: resolve, fail: reject });
      }),
    maxBatch,
  );
  const fulfilAll = async (index: number) => {
    const batch = batches[index];
    batch.settle(batch.items.map((item) => ({ status: 'fulfilled', value: `${item}!` })));
    await flush();
  };
  return { group, batches, fulfilAll };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('runs an item for an idle key at once, alone', async () => {
    const { group, batches, fulfilAll } = harness();
    const result = group.submit('doc', 'a');
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    await fulfilAll(0);
    await expect(result).resolves.toBe('a!');
  });

  it('collects what arrives during a batch into the next one, in order, one batch at a time', async () => {
    const { group, batches, fulfilAll } = harness();
    const results = ['a', 'b', 'c', 'd'].map((item) => group.submit('doc', item));
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    await fulfilAll(0);
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b', 'c', 'd']]);
    const late = group.submit('doc', 'e');
    await fulfilAll(1);
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    await fulfilAll(2);
    await expect(Promise.all([...results, late])).resolves.toEqual(['a!', 'b!', 'c!', 'd!', 'e!']);
  });

  it('keeps keys independent', () => {
    const { group, batches } = harness();
    void group.submit('one', 'a');
    void group.submit('two', 'b');
    void group.submit('one', 'c');
    expect(batches.map((b) => `${b.key}:${b.items.join()}`)).toEqual(['one:a', 'two:b']);
  });

  it('caps a batch at maxBatch and runs the rest next', async () => {
    const { group, batches, fulfilAll } = harness(2);
    ['a', 'b', 'c', 'd', 'e'].forEach((item) => void group.submit('doc', item));
    await fulfilAll(0);
    await fulfilAll(1);
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('answers each item on its own: a rejected item does not fail the others', async () => {
    const { group, batches } = harness();
    void group.submit('doc', 'first');
    const good = group.submit('doc', 'good');
    const bad = group.submit('doc', 'bad');
    batches[0].settle([{ status: 'fulfilled', value: 'ok' }]);
    await flush();
    batches[1].settle([
      { status: 'fulfilled', value: 'good!' },
      { status: 'rejected', reason: new Error('conflict') },
    ]);
    await expect(good).resolves.toBe('good!');
    await expect(bad).rejects.toThrow('conflict');
  });

  it('starts the next batch while an answer of the last one is still settling', async () => {
    const { group, batches, fulfilAll } = harness();
    void group.submit('doc', 'first');
    const quick = group.submit('doc', 'quick');
    const slow = group.submit('doc', 'slow');
    await fulfilAll(0);
    const next = group.submit('doc', 'next');
    let keepDraft!: () => void;
    const drafted = new Promise<PromiseSettledResult<string>>((resolve) => {
      keepDraft = () => resolve({ status: 'rejected', reason: new Error('conflict') });
    });
    let slowSettled = false;
    slow.then(
      () => (slowSettled = true),
      () => (slowSettled = true),
    );
    batches[1].settle([{ status: 'fulfilled', value: 'quick!' }, drafted]);
    await expect(quick).resolves.toBe('quick!');
    await flush();
    expect(batches.map((b) => b.items)).toEqual([['first'], ['quick', 'slow'], ['next']]);
    expect(slowSettled).toBe(false);
    keepDraft();
    await expect(slow).rejects.toThrow('conflict');
    await fulfilAll(2);
    await expect(next).resolves.toBe('next!');
  });

  it('fails every item of a batch whose run throws, and goes on with the next batch', async () => {
    const { group, batches, fulfilAll } = harness();
    void group.submit('doc', 'first');
    const failed = [group.submit('doc', 'x'), group.submit('doc', 'y')];
    await fulfilAll(0);
    const after = group.submit('doc', 'z');
    batches[1].fail(new Error('database down'));
    for (const result of failed) await expect(result).rejects.toThrow('database down');
    await flush();
    expect(batches[2].items).toEqual(['z']);
    await fulfilAll(2);
    await expect(after).resolves.toBe('z!');
  });

  it('forgets a key once it is idle, and starts the next item at once again', async () => {
    const { group, batches, fulfilAll } = harness();
    const first = group.submit('doc', 'a');
    await fulfilAll(0);
    await first;
    void group.submit('doc', 'b');
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b']]);
  });
});
