import {
  ConcordClient,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  makePatch,
} from '@concord/shared';
import { describeE2E, startTestServer, type TestServer, uniqueUsername } from '../support';

// The SDK's save / 409 / merge / retry loop against the real server (issue 3).
jest.setTimeout(120_000);

const PASSWORD = 'correct horse battery';

describeE2E('SDK against the real server', () => {
  let server: TestServer;
  let alice: ConcordClient;
  let bob: ConcordClient;
  let aliceToken: string;
  let bobName: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = new ConcordClient({ baseUrl: server.url });
    bob = new ConcordClient({ baseUrl: server.url });
    ({ token: aliceToken } = await alice.register({ username: uniqueUsername('alice'), password: PASSWORD }));
    bobName = uniqueUsername('bob');
    await bob.register({ username: bobName, password: PASSWORD });
  });
  afterAll(() => server?.close());

  async function sharedDocument(content: string) {
    const created = await alice.createDocument({ title: 'Race', content });
    await alice.addMember(created.id, { username: bobName, role: 'editor' });
    return created;
  }

  it('two clients racing with disjoint edits both land, no conflict shown', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `Line ${i}: some text.`);
    const created = await sharedDocument(`${lines.join('\n')}\n`);
    const [aliceBase, bobBase] = await Promise.all([
      alice.getDocument(created.id),
      bob.getDocument(created.id),
    ]);
    const aliceText = aliceBase.content.replace('Line 3: some text.', 'Line 3: Alice was here.');
    const bobText = bobBase.content.replace('Line 15: some text.', 'Line 15: Bob was here.');
    const [a, b] = await Promise.all([
      alice.saveDocument(created.id, { content: aliceText }, { base: aliceBase }),
      bob.saveDocument(created.id, { content: bobText }, { base: bobBase }),
    ]);
    expect([a.status, b.status]).toEqual(['saved', 'saved']);
    // Exactly one of them had to merge (both started from version 1).
    expect([a, b].filter((r) => r.status === 'saved' && r.merged)).toHaveLength(1);
    const final = await alice.getDocument(created.id);
    expect(final.version).toBe(3);
    expect(final.content).toBe(
      aliceBase.content
        .replace('Line 3: some text.', 'Line 3: Alice was here.')
        .replace('Line 15: some text.', 'Line 15: Bob was here.'),
    );
  });

  it('many rounds of racing saves on different lines lose nothing', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Item ${i}`);
    const created = await sharedDocument(`${lines.join('\n')}\n`);
    for (let round = 0; round < 5; round++) {
      const [aliceBase, bobBase] = await Promise.all([
        alice.getDocument(created.id),
        bob.getDocument(created.id),
      ]);
      const results = await Promise.all([
        alice.saveDocument(
          created.id,
          { content: aliceBase.content.replace(`Item ${round * 2}\n`, `Item ${round * 2} (alice)\n`) },
          { base: aliceBase },
        ),
        bob.saveDocument(
          created.id,
          { content: bobBase.content.replace(`Item ${20 + round}\n`, `Item ${20 + round} (bob)\n`) },
          { base: bobBase },
        ),
      ]);
      expect(results.map((r) => r.status)).toEqual(['saved', 'saved']);
    }
    const final = await bob.getDocument(created.id);
    for (let round = 0; round < 5; round++) {
      expect(final.content).toContain(`Item ${round * 2} (alice)\n`);
      expect(final.content).toContain(`Item ${20 + round} (bob)\n`);
    }
    expect(final.version).toBe(11);
  });

  it('overlapping edits come back as a conflict with markers; the rejected text is kept as a draft', async () => {
    const created = await sharedDocument('Title\nThe meeting is on Friday.\nEnd\n');
    const base = await alice.getDocument(created.id);
    const bobSaved = await bob.saveDocument(
      created.id,
      { content: 'Title\nThe meeting is on Monday.\nEnd\n' },
      { base },
    );
    expect(bobSaved.status).toBe('saved');
    const result = await alice.saveDocument(
      created.id,
      { content: 'Title\nThe meeting is on Sunday.\nEnd\n' },
      { base },
    );
    expect(result).toMatchObject({
      status: 'conflict',
      current: { version: 2, content: 'Title\nThe meeting is on Monday.\nEnd\n' },
      merge: {
        clean: false,
        text: 'Title\n<<<<<<< mine\nThe meeting is on Sunday.\n=======\nThe meeting is on Monday.\n>>>>>>> theirs\nEnd\n',
      },
    });
    const drafts = await alice.listDrafts(created.id);
    expect(drafts.map((d) => d.content)).toContain('Title\nThe meeting is on Sunday.\nEnd\n');
  });

  it('patchDocument with a surrogate-safe patch, and Prefer: merge on a stale one', async () => {
    const created = await sharedDocument('Mood: 😀\nWeather: sunny\n');
    const patched = await alice.patchDocument(
      created.id,
      { patch: makePatch(created.content, 'Mood: 😁\nWeather: sunny\n') },
      { ifMatch: created.etag },
    );
    expect(patched).toMatchObject({ version: 2, content: 'Mood: 😁\nWeather: sunny\n' });
    // Bob's patch is made against version 1, which is stale now; the server merges it.
    const merged = await bob.patchDocument(
      created.id,
      { patch: makePatch(created.content, 'Mood: 😀\nWeather: rainy\n') },
      { ifMatch: created.etag, merge: true },
    );
    expect(merged).toMatchObject({ version: 3, content: 'Mood: 😁\nWeather: rainy\n' });
    await expect(
      bob.patchDocument(created.id, { patch: makePatch(created.content, 'x') }, { ifMatch: created.etag }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('a save whose answer was lost is tried again, and the 409 it gets ends it without a second write', async () => {
    const created = await sharedDocument('draft\n');
    let cutAnswers = 1;
    // The first PUT reaches the server and is done; its answer is then lost, as on a reset connection.
    const lossy = new ConcordClient({
      baseUrl: server.url,
      token: aliceToken,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (init.method !== 'PUT' || cutAnswers === 0) return response;
        cutAnswers -= 1;
        await response.body?.cancel();
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      },
    });
    const result = await lossy.saveDocument(created.id, { content: 'final\n' }, { base: created });
    expect(result).toMatchObject({
      status: 'saved',
      attempts: 2,
      merged: true,
      document: { version: 2, content: 'final\n' },
    });
    const versions = await alice.listVersions(created.id);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it('typed errors from the real server', async () => {
    const anonymous = new ConcordClient({ baseUrl: server.url });
    await expect(anonymous.listDocuments()).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(alice.getDocument('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const created = await alice.createDocument({ title: 'Errors', content: 'abc' });
    await expect(
      alice.patchDocument(created.id, { patch: '@@ -1,3 +1,3 @@\n-xyz\n+abc\n' }, { ifMatch: created.etag }),
    ).rejects.toBeInstanceOf(UnprocessableError);
    await expect(alice.createDocument({ title: '' })).rejects.toBeInstanceOf(UnprocessableError);
  });
});

describeE2E('SDK against a rate-limited server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { WRITE_RATE_LIMIT: '2', WRITE_RATE_WINDOW: '2' } });
  });
  afterAll(() => server?.close());

  it('a save refused with 429 is tried again after Retry-After, and lands', async () => {
    const carol = new ConcordClient({ baseUrl: server.url });
    await carol.register({ username: uniqueUsername('carol'), password: PASSWORD });
    const created = await carol.createDocument({ title: 'Busy', content: 'one\n' }); // write 1
    await carol.saveDocument(created.id, { content: 'two\n' }, { base: created }); // write 2
    const base = await carol.getDocument(created.id); // reads are not limited
    const third = await carol.saveDocument(created.id, { content: 'three\n' }, { base });
    expect(third).toMatchObject({
      status: 'saved',
      merged: false,
      document: { version: 3, content: 'three\n' },
    });
    expect(third.attempts).toBeGreaterThan(1);
  });
});
