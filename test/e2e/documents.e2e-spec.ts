import {
  type Change,
  type ConcordDocument,
  DocumentListSchema,
  DocumentSchema,
  type DocumentList,
  type Draft,
  type Member,
  StaleVersionProblemSchema,
  type VersionListItem,
  applyPatchStrict,
  etagFor,
  makePatch,
} from '@concord/shared';
import { describeE2E, type HttpResponse, registerUser, useSuiteServer } from '../support';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the in-flight test holds a real create open through the service
import { DocumentsService } from '../../server/src/documents/documents.service';
import { createDocument, expectProblem, putDocument } from './documents.helpers';

// The embedded database takes a few seconds to boot; the project-level testTimeout does not reach hooks here.

describeE2E('documents over HTTP (CONTRACT §1, §2 membership)', () => {
  const suite = useSuiteServer({ users: 3 });
  const { api } = suite;
  let alice: { token: string; id: string; username: string };
  let bob: { token: string; id: string; username: string };
  let carol: { token: string; id: string; username: string };

  beforeAll(() => {
    [alice, bob, carol] = suite.users.map((u) => ({
      token: u.token,
      id: u.user.id,
      username: u.user.username,
    }));
  });

  const docPath = (id: string): string => `/api/documents/${id}`;
  /** A write to one document with the given (conditional) headers. */
  const send = <T = Record<string, unknown>>(
    method: 'PUT' | 'PATCH',
    id: string,
    token: string,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<HttpResponse<T>> => api<T>(docPath(id), { method, token, headers, body });
  /** The usual conditional write: `send` with only an If-Match header. */
  const sendIfMatch = <T = Record<string, unknown>>(
    method: 'PUT' | 'PATCH',
    id: string,
    token: string,
    etag: string,
    body: unknown,
  ): Promise<HttpResponse<T>> => send<T>(method, id, token, { 'if-match': etag }, body);

  describe('POST /api/documents', () => {
    it('creates version 1: 201 with Location, a strong ETag and the document', async () => {
      const response = await api<ConcordDocument>('/api/documents', {
        method: 'POST',
        token: alice.token,
        body: { title: 'Meeting Notes', content: '# Hello' },
      });
      expect(response.status).toBe(201);
      const document = DocumentSchema.parse(response.body);
      expect(document).toMatchObject({
        title: 'Meeting Notes',
        content: '# Hello',
        version: 1,
        state: 'active',
        updatedBy: { id: alice.id, username: alice.username },
      });
      expect(document.slug).toMatch(/^meeting-notes(-\d+)?$/);
      expect(response.headers.get('location')).toBe(`/api/documents/${document.id}`);
      expect(response.headers.get('etag')).toBe(etagFor(document.id, 1));
      expect(document.etag).toBe(etagFor(document.id, 1));
    });

    it('generates slugs from the title, de-duplicated among the owner’s documents only', async () => {
      const title = `Same Title ${Date.now()}`;
      const first = await createDocument(api, alice.token, { title });
      const second = await createDocument(api, alice.token, { title });
      expect(second.slug).toBe(`${first.slug}-2`);
      // Another owner's slugs are not in the way, nor given away by a numbered slug.
      const others = await createDocument(api, bob.token, { title });
      expect(others.slug).toBe(first.slug);
    });

    it('answers 409 slug_taken for an explicit slug the owner already uses; another owner may use it', async () => {
      const slug = `taken-${Date.now()}`;
      await createDocument(api, alice.token, { title: 'A', slug });
      const response = await api('/api/documents', {
        method: 'POST',
        token: alice.token,
        body: { title: 'B', slug },
      });
      expectProblem(response, 409, 'slug_taken');
      expect((await createDocument(api, bob.token, { title: 'C', slug })).slug).toBe(slug);
    });

    it.each([
      ['no title', { content: 'x' }],
      ['an empty title', { title: '   ' }],
      ['an unknown field', { title: 'x', color: 'red' }],
      ['a bad slug', { title: 'x', slug: 'Not A Slug' }],
      ['a non-string content', { title: 'x', content: 42 }],
    ])('answers 422 for %s', async (_name, body) => {
      const response = await api('/api/documents', { method: 'POST', token: alice.token, body });
      expectProblem(response, 422, 'validation_failed');
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await api('/api/documents', {
        method: 'POST',
        token: alice.token,
        headers: { 'content-type': 'application/json' },
        body: '{"title": ',
      });
      expect(response.status).toBe(400);
    });

    it('answers 422 for content that is not Unicode text (lone surrogate, NUL)', async () => {
      for (const raw of ['{"title":"x","content":"a\\ud800b"}', '{"title":"x","content":"a\\u0000b"}']) {
        const response = await api('/api/documents', {
          method: 'POST',
          token: alice.token,
          headers: { 'content-type': 'application/json' },
          body: raw,
        });
        expectProblem(response, 422, 'validation_failed');
      }
    });

    it('keeps emoji and other astral characters intact', async () => {
      const content = 'Party 🎉 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — 家族 👨‍👩‍👧';
      const document = await createDocument(api, alice.token, { title: 'Emoji', content });
      const read = await api<ConcordDocument>(docPath(document.id), { token: alice.token });
      expect(read.body.content).toBe(content);
    });

    it('answers 401 without a token and with a bad one', async () => {
      expectProblem(
        await api('/api/documents', { method: 'POST', body: { title: 'x' } }),
        401,
        'unauthorized',
      );
      expectProblem(
        await api('/api/documents', { method: 'POST', token: 'nope', body: { title: 'x' } }),
        401,
        'unauthorized',
      );
    });
  });

  describe('GET /api/documents/:id', () => {
    it('answers 200 with the ETag, and 304 without a body when If-None-Match matches', async () => {
      const document = await createDocument(api, alice.token, { title: 'Cache me', content: 'c' });
      const read = await api<ConcordDocument>(docPath(document.id), { token: alice.token });
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(document.etag);
      expect(read.body).toEqual(document);

      const notModified = await api(docPath(document.id), {
        token: alice.token,
        headers: { 'if-none-match': document.etag },
      });
      expect(notModified.status).toBe(304);
      expect(notModified.text).toBe('');
      expect(notModified.headers.get('etag')).toBe(document.etag);

      const weak = await api(docPath(document.id), {
        token: alice.token,
        headers: { 'if-none-match': `"x", W/${document.etag}` },
      });
      expect(weak.status).toBe(304);

      const other = await api(docPath(document.id), {
        token: alice.token,
        headers: { 'if-none-match': '"other"' },
      });
      expect(other.status).toBe(200);
    });

    it('answers 404 for unknown and malformed ids, and for documents the user is not a member of', async () => {
      const document = await createDocument(api, alice.token, { title: 'Private' });
      expectProblem(
        await api(docPath('00000000-0000-4000-8000-000000000000'), { token: alice.token }),
        404,
        'not_found',
      );
      expectProblem(await api(docPath('not-a-uuid'), { token: alice.token }), 404, 'not_found');
      const hidden = await api(docPath(document.id), { token: bob.token });
      expectProblem(hidden, 404, 'not_found');
      expect(hidden.text).not.toContain('Private');
    });

    it('answers 401 without a token', async () => {
      expectProblem(await api(docPath('00000000-0000-4000-8000-000000000000')), 401, 'unauthorized');
    });
  });

  describe('GET /api/documents (list)', () => {
    it('lists only visible documents, newest first, without content, in keyset pages', async () => {
      const user = await registerUser(suite.url);
      const created: ConcordDocument[] = [];
      for (let i = 0; i < 5; i++)
        created.push(await createDocument(api, user.token, { title: `List ${i}`, content: `body ${i}` }));
      await createDocument(api, alice.token, { title: 'Not yours' });

      const first = await api<DocumentList>('/api/documents?limit=2', { token: user.token });
      expect(first.status).toBe(200);
      DocumentListSchema.parse(first.body);
      expect(first.body.items.map((item) => item.title)).toEqual(['List 4', 'List 3']);
      expect(first.body.items[0]).not.toHaveProperty('content');
      expect(first.body.items[0].role).toBe('owner');
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await api<DocumentList>(`/api/documents?limit=2&cursor=${first.body.nextCursor}`, {
        token: user.token,
      });
      expect(second.body.items.map((item) => item.title)).toEqual(['List 2', 'List 1']);
      const third = await api<DocumentList>(`/api/documents?limit=2&cursor=${second.body.nextCursor}`, {
        token: user.token,
      });
      expect(third.body.items.map((item) => item.title)).toEqual(['List 0']);
      expect(third.body.nextCursor).toBeNull();

      // A write moves a document to the front.
      await putDocument(api, user.token, created[0], 'edited');
      const after = await api<DocumentList>('/api/documents?limit=1', { token: user.token });
      expect(after.body.items[0].id).toBe(created[0].id);
    });

    it('searches title and content with q, treating % and _ literally', async () => {
      const user = await registerUser(suite.url);
      await createDocument(api, user.token, { title: 'Budget 100%', content: 'numbers' });
      await createDocument(api, user.token, { title: 'Plans', content: 'the snake_case rule' });
      await createDocument(api, user.token, { title: 'Other', content: 'nothing' });
      const percent = await api<DocumentList>(`/api/documents?q=${encodeURIComponent('100%')}`, {
        token: user.token,
      });
      expect(percent.body.items.map((i) => i.title)).toEqual(['Budget 100%']);
      const underscore = await api<DocumentList>('/api/documents?q=e_c', { token: user.token });
      expect(underscore.body.items.map((i) => i.title)).toEqual(['Plans']);
      const anything = await api<DocumentList>('/api/documents?q=%25', { token: user.token });
      expect(anything.body.items.map((i) => i.title)).toEqual(['Budget 100%']);
      const caseless = await api<DocumentList>('/api/documents?q=PLANS', { token: user.token });
      expect(caseless.body.items).toHaveLength(1);
    });

    it('filters by state and rejects bad parameters with 422', async () => {
      const user = await registerUser(suite.url);
      const doc = await createDocument(api, user.token, { title: 'To archive' });
      await createDocument(api, user.token, { title: 'Active one' });
      const archive = await api(`${docPath(doc.id)}/archive`, {
        method: 'POST',
        token: user.token,
        headers: { 'if-match': doc.etag },
      });
      expect(archive.status).toBe(200);
      const active = await api<DocumentList>('/api/documents', { token: user.token });
      expect(active.body.items.map((i) => i.title)).toEqual(['Active one']);
      const archived = await api<DocumentList>('/api/documents?state=archived', { token: user.token });
      expect(archived.body.items.map((i) => i.title)).toEqual(['To archive']);
      const all = await api<DocumentList>('/api/documents?state=all', { token: user.token });
      expect(all.body.items).toHaveLength(2);

      expectProblem(await api('/api/documents?limit=0', { token: user.token }), 422, 'validation_failed');
      expectProblem(
        await api('/api/documents?cursor=garbage', { token: user.token }),
        422,
        'validation_failed',
      );
      expectProblem(
        await api('/api/documents?state=deleted', { token: user.token }),
        422,
        'validation_failed',
      );
      expectProblem(await api('/api/documents?color=red', { token: user.token }), 422, 'validation_failed');
    });
  });

  describe('PUT /api/documents/:id and preconditions', () => {
    it('writes with a matching If-Match: 200, version + 1, new ETag', async () => {
      const document = await createDocument(api, alice.token, { title: 'Put', content: 'one' });
      const response = await sendIfMatch<ConcordDocument>('PUT', document.id, alice.token, document.etag, {
        content: 'two',
        title: 'Put renamed',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        content: 'two',
        title: 'Put renamed',
        version: 2,
        slug: document.slug,
      });
      expect(response.headers.get('etag')).toBe(etagFor(document.id, 2));
      expect(response.body.etag).toBe(etagFor(document.id, 2));
    });

    it('answers 428 with the current ETag when no precondition is sent', async () => {
      const document = await createDocument(api, alice.token, { title: 'No precondition' });
      const response = await api(docPath(document.id), {
        method: 'PUT',
        token: alice.token,
        body: { content: 'x' },
      });
      expectProblem(response, 428, 'precondition_required');
      expect(response.body).toMatchObject({ etag: document.etag });
    });

    it('answers a stale If-Match with 409 stale_version, the current document, its ETag and who changed it', async () => {
      const document = await createDocument(api, alice.token, { title: 'Stale', content: 'v1' });
      await putDocument(api, alice.token, document, 'v2');
      const response = await sendIfMatch('PUT', document.id, alice.token, document.etag, { content: 'mine' });
      expectProblem(response, 409, 'stale_version');
      const problem = StaleVersionProblemSchema.parse(response.body);
      expect(problem.yourVersion).toBe(1);
      expect(problem.current).toMatchObject({ version: 2, content: 'v2', etag: etagFor(document.id, 2) });
      expect(problem.type).toBe('urn:concord:problem:stale-version');
      expect(problem.detail).toContain(alice.username);
      expect(problem.detail).toMatch(/version 2/);
      expect(response.headers.get('etag')).toBe(etagFor(document.id, 2));
    });

    it('gives yourVersion null when If-Match names none of our versions', async () => {
      const document = await createDocument(api, alice.token, { title: 'Foreign tag' });
      const response = await sendIfMatch('PUT', document.id, alice.token, '"something-else"', {
        content: 'x',
      });
      expectProblem(response, 409, 'stale_version');
      expect(response.body).toMatchObject({ yourVersion: null });
    });

    it('matches when any member of an If-Match list matches; a weak tag never matches', async () => {
      const document = await createDocument(api, alice.token, { title: 'Lists' });
      const weak = await api(docPath(document.id), {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': `W/${document.etag}` },
        body: { content: 'weak' },
      });
      expectProblem(weak, 409, 'stale_version');
      const list = await api<ConcordDocument>(docPath(document.id), {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': `"nope", ${document.etag}` },
        body: { content: 'list' },
      });
      expect(list.status).toBe(200);
      expect(list.body.version).toBe(2);
    });

    it.each([
      ['unquoted', 'abc'],
      ['unterminated', '"abc'],
      ['empty', ''],
    ])('answers 400 malformed_precondition for a %s If-Match', async (_name, value) => {
      const document = await createDocument(api, alice.token, { title: 'Malformed' });
      const response = await sendIfMatch('PUT', document.id, alice.token, value, { content: 'x' });
      expectProblem(response, 400, 'malformed_precondition');
    });

    it('overwrites deliberately with If-Match: *', async () => {
      const document = await createDocument(api, alice.token, { title: 'Star', content: 'a' });
      await putDocument(api, alice.token, document, 'b');
      const response = await sendIfMatch<ConcordDocument>('PUT', document.id, alice.token, '*', {
        content: 'c',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ version: 3, content: 'c' });
    });

    it('uses If-Unmodified-Since (second precision) when there is no If-Match', async () => {
      const document = await createDocument(api, alice.token, { title: 'IUS', content: 'a' });
      const updatedAt = new Date(document.updatedAt);
      const past = new Date(updatedAt.getTime() - 60_000).toUTCString();
      const stale = await send(
        'PUT',
        document.id,
        alice.token,
        { 'if-unmodified-since': past },
        { content: 'b' },
      );
      expectProblem(stale, 409, 'stale_version');
      expect(stale.body).toMatchObject({ yourVersion: null, current: { version: 1 } });
      // The same second as updatedAt (HTTP-dates drop milliseconds) is not "modified since".
      const sameSecond = await send<ConcordDocument>(
        'PUT',
        document.id,
        alice.token,
        { 'if-unmodified-since': updatedAt.toUTCString() },
        { content: 'c' },
      );
      expect(sameSecond.status).toBe(200);
      const malformed = await send(
        'PUT',
        document.id,
        alice.token,
        { 'if-unmodified-since': 'yesterday' },
        { content: 'd' },
      );
      expectProblem(malformed, 400, 'malformed_precondition');
    });

    it('answers 409 to If-Unmodified-Since naming a second in which the document changed twice', async () => {
      // Two writes in one second: a client holding that second's date may have seen either version.
      let twice: { first: ConcordDocument; second: ConcordDocument } | undefined;
      for (let attempt = 0; attempt < 5 && twice === undefined; attempt += 1) {
        const created = await createDocument(api, alice.token, { title: 'Twice a second', content: 'a' });
        const first = await putDocument(api, alice.token, created, 'b');
        const second = await putDocument(api, alice.token, first, 'c');
        const secondOf = (doc: ConcordDocument): number => Math.floor(Date.parse(doc.updatedAt) / 1000);
        if (secondOf(first) === secondOf(second)) twice = { first, second };
      }
      if (twice === undefined) throw new Error('no two writes landed in one second in 5 attempts');
      const { first, second } = twice;
      const date = new Date(second.updatedAt).toUTCString();
      const put = await send(
        'PUT',
        second.id,
        alice.token,
        { 'if-unmodified-since': date },
        { content: 'lost?' },
      );
      expectProblem(put, 409, 'stale_version');
      expect(put.body).toMatchObject({ current: { version: 3, content: 'c' } });
      const removed = await api(docPath(second.id), {
        method: 'DELETE',
        token: alice.token,
        headers: { 'if-unmodified-since': date },
      });
      expectProblem(removed, 409, 'stale_version');
      // The next second names the state at its end unambiguously: the latest version.
      const later = new Date(Date.parse(first.updatedAt) + 1000).toUTCString();
      const accepted = await send<ConcordDocument>(
        'PUT',
        second.id,
        alice.token,
        { 'if-unmodified-since': later },
        { content: 'd' },
      );
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ version: 4, content: 'd' });
    });

    it('answers 404 for a precondition on a missing document', async () => {
      const id = '00000000-0000-4000-8000-000000000001';
      const response = await sendIfMatch('PUT', id, alice.token, etagFor(id, 1), { content: 'x' });
      expectProblem(response, 404, 'not_found');
    });

    it('answers 422 for unknown fields and 413 for content over MAX_DOCUMENT_BYTES', async () => {
      const document = await createDocument(api, alice.token, { title: 'Fields' });
      const unknown = await sendIfMatch('PUT', document.id, alice.token, document.etag, {
        content: 'x',
        version: 9,
      });
      expectProblem(unknown, 422, 'validation_failed');
      const big = await api(docPath(document.id), {
        method: 'PUT',
        token: alice.token,
        headers: { 'if-match': document.etag },
        body: { content: 'é'.repeat(524_289) }, // 1 MiB + 2 bytes of UTF-8, fewer than 1 Mi characters
      });
      expectProblem(big, 413, 'payload_too_large');
    });

    it('keeps the body of a write answered 409 as a draft for its author only, newest first', async () => {
      const document = await createDocument(api, alice.token, { title: 'Drafts', content: 'v1' });
      await putDocument(api, alice.token, document, 'v2');
      for (const content of ['lost one', 'lost two']) {
        const response = await sendIfMatch('PUT', document.id, alice.token, document.etag, {
          content,
          title: 'Drafted',
        });
        expect(response.status).toBe(409);
      }
      const drafts = await api<Draft[]>(`${docPath(document.id)}/drafts`, { token: alice.token });
      expect(drafts.status).toBe(200);
      expect(drafts.body.map((d) => d.content)).toEqual(['lost two', 'lost one']);
      expect(drafts.body[0]).toMatchObject({
        documentId: document.id,
        baseVersion: 1,
        title: 'Drafted',
        patch: null,
      });

      await api(`${docPath(document.id)}/members`, {
        method: 'POST',
        token: alice.token,
        body: { username: bob.username, role: 'editor' },
      });
      const bobs = await api<Draft[]>(`${docPath(document.id)}/drafts`, { token: bob.token });
      expect(bobs.body).toEqual([]);
      expectProblem(await api(`${docPath(document.id)}/drafts`, { token: carol.token }), 404, 'not_found');
    });

    it('pages the drafts with limit and before (a draft id), naming the next page in a Link header', async () => {
      const document = await createDocument(api, alice.token, { title: 'Paged drafts', content: 'v1' });
      await putDocument(api, alice.token, document, 'v2');
      const lost = ['lost 1', 'lost 2', 'lost 3', 'lost 4', 'lost 5'];
      for (const content of lost) {
        expect((await sendIfMatch('PUT', document.id, alice.token, document.etag, { content })).status).toBe(
          409,
        );
      }
      const path = `${docPath(document.id)}/drafts`;
      const seen: (string | null)[] = [];
      const links: (string | null)[] = [];
      let next: string | undefined = `${path}?limit=2`;
      while (next !== undefined) {
        const page: HttpResponse<Draft[]> = await api<Draft[]>(next, { token: alice.token });
        expect(page.status).toBe(200);
        seen.push(...page.body.map((d) => d.content));
        const link = page.headers.get('link');
        links.push(link === null ? null : link.replace(/before=[0-9a-f-]{36}/, 'before=ID'));
        next = link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      }
      expect(seen).toEqual([...lost].reverse());
      expect(links).toEqual([
        `<${path}?limit=2&before=ID>; rel="next"`,
        `<${path}?limit=2&before=ID>; rel="next"`,
        null,
      ]);

      // Without limit, everything and no Link; `before` alone, everything older.
      const all = await api<Draft[]>(path, { token: alice.token });
      expect(all.body.map((d) => d.content)).toEqual([...lost].reverse());
      expect(all.headers.get('link')).toBeNull();
      const older = await api<Draft[]>(`${path}?before=${all.body[2].id}`, { token: alice.token });
      expect(older.body.map((d) => d.content)).toEqual(['lost 2', 'lost 1']);
      // Another's draft id, or one that never was, pages nothing (and tells nothing about it).
      await api(`${docPath(document.id)}/members`, {
        method: 'POST',
        token: alice.token,
        body: { username: bob.username, role: 'editor' },
      });
      expect(
        (await sendIfMatch('PUT', document.id, bob.token, document.etag, { content: 'bob lost' })).status,
      ).toBe(409);
      const [bobsDraft] = (await api<Draft[]>(path, { token: bob.token })).body;
      for (const before of [bobsDraft.id, '00000000-0000-4000-8000-000000000000']) {
        const page = await api<Draft[]>(`${path}?before=${before}`, { token: alice.token });
        expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: [] });
      }
      for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'before=7', 'before=', 'limit=2&cursor=x']) {
        expectProblem(await api(`${path}?${query}`, { token: alice.token }), 422, 'validation_failed');
      }
      expectProblem(await api(`${path}?limit=2`, { token: carol.token }), 404, 'not_found');
    });
  });

  describe('PATCH /api/documents/:id', () => {
    it('applies a diff-match-patch patch made against the If-Match version', async () => {
      const document = await createDocument(api, alice.token, { title: 'Patch', content: 'Hello world' });
      const response = await sendIfMatch<ConcordDocument>('PATCH', document.id, alice.token, document.etag, {
        patch: makePatch('Hello world', 'Hello brave new world'),
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ content: 'Hello brave new world', version: 2 });
      expect(response.headers.get('etag')).toBe(etagFor(document.id, 2));
    });

    it('renames with a title-only PATCH', async () => {
      const document = await createDocument(api, alice.token, { title: 'Old name', content: 'same' });
      const response = await sendIfMatch<ConcordDocument>('PATCH', document.id, alice.token, document.etag, {
        title: 'New name',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ title: 'New name', content: 'same', version: 2 });
    });

    it('survives the diff-match-patch URIError emoji case (a surrogate pair split by the diff)', async () => {
      const before = 'Mood: 🙂🙂 ok';
      const after = 'Mood: 🙂🙃 ok';
      const document = await createDocument(api, alice.token, { title: 'Emoji patch', content: before });
      const response = await sendIfMatch<ConcordDocument>('PATCH', document.id, alice.token, document.etag, {
        patch: makePatch(before, after),
      });
      expect(response.status).toBe(200);
      expect(response.body.content).toBe(after);
    });

    it('answers 422 patch_does_not_apply when a hunk does not apply exactly or the text is malformed, and writes nothing', async () => {
      const document = await createDocument(api, alice.token, {
        title: 'Strict',
        content: 'The quick brown fox',
      });
      const foreign = makePatch('Completely different text here', 'Completely other text here');
      const notApplying = await sendIfMatch('PATCH', document.id, alice.token, document.etag, {
        patch: foreign,
      });
      expectProblem(notApplying, 422, 'patch_does_not_apply');
      const malformed = await sendIfMatch('PATCH', document.id, alice.token, document.etag, {
        patch: '@@ this is not a patch\n',
      });
      expectProblem(malformed, 422, 'patch_does_not_apply');
      expect(malformed.body).toMatchObject({ reason: 'malformed' });
      const read = await api<ConcordDocument>(docPath(document.id), { token: alice.token });
      expect(read.body).toMatchObject({ version: 1, content: 'The quick brown fox' });
    });

    it('answers 422 for an empty body and a stale If-Match with 409 when merge is not asked for', async () => {
      const document = await createDocument(api, alice.token, { title: 'Patch stale', content: 'abc' });
      expectProblem(
        await sendIfMatch('PATCH', document.id, alice.token, document.etag, {}),
        422,
        'validation_failed',
      );
      await putDocument(api, alice.token, document, 'abcd');
      const stale = await sendIfMatch('PATCH', document.id, alice.token, document.etag, {
        patch: makePatch('abc', 'xabc'),
      });
      expectProblem(stale, 409, 'stale_version');
      const drafts = await api<Draft[]>(`${docPath(document.id)}/drafts`, { token: alice.token });
      expect(drafts.body[0]).toMatchObject({
        patch: makePatch('abc', 'xabc'),
        content: null,
        baseVersion: 1,
      });
    });
  });

  describe('Prefer: merge', () => {
    const base = 'Line one\nLine two\nLine three\n';
    /** Alice's write with `Prefer: merge` over the version `etag` names. */
    const sendMerging = <T = Record<string, unknown>>(
      method: 'PUT' | 'PATCH',
      id: string,
      etag: string,
      body: unknown,
    ): Promise<HttpResponse<T>> =>
      send<T>(method, id, alice.token, { 'if-match': etag, prefer: 'merge' }, body);

    it('merges a clean stale PUT into a new version: 200 + Preference-Applied: merge', async () => {
      const document = await createDocument(api, alice.token, { title: 'Merge PUT', content: base });
      await putDocument(api, alice.token, document, 'Line ONE\nLine two\nLine three\n');
      const response = await sendMerging<ConcordDocument>('PUT', document.id, document.etag, {
        content: 'Line one\nLine two\nLine THREE\n',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('preference-applied')).toBe('merge');
      expect(response.body).toMatchObject({ content: 'Line ONE\nLine two\nLine THREE\n', version: 3 });
    });

    it('answers an unclean stale PUT with 409 carrying the server merge attempt, and writes nothing', async () => {
      const document = await createDocument(api, alice.token, { title: 'Merge conflict', content: base });
      await putDocument(api, alice.token, document, 'Line one\nLine 2 (theirs)\nLine three\n');
      const response = await sendMerging('PUT', document.id, document.etag, {
        content: 'Line one\nLine 2 (mine)\nLine three\n',
      });
      expectProblem(response, 409, 'stale_version');
      const problem = StaleVersionProblemSchema.parse(response.body);
      expect(problem.merge).toBeDefined();
      expect(problem.merge?.conflicts.length).toBeGreaterThan(0);
      expect(problem.merge?.text).toContain('<<<<<<< mine');
      expect(problem.current.version).toBe(2);
      expect(response.headers.get('preference-applied')).toBeNull();
      const read = await api<ConcordDocument>(docPath(document.id), { token: alice.token });
      expect(read.body.version).toBe(2);
    });

    it('merges a clean stale PATCH (base = the If-Match version + the patch)', async () => {
      const document = await createDocument(api, alice.token, { title: 'Merge PATCH', content: base });
      await putDocument(api, alice.token, document, `${base}Line four\n`);
      const response = await sendMerging<ConcordDocument>('PATCH', document.id, document.etag, {
        patch: makePatch(base, `Line zero\n${base}`),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('preference-applied')).toBe('merge');
      expect(response.body.content).toBe(`Line zero\n${base}Line four\n`);
    });

    it('answers an unclean stale PATCH with 409 + merge, and keeps it as a draft', async () => {
      const document = await createDocument(api, alice.token, {
        title: 'Merge PATCH conflict',
        content: base,
      });
      await putDocument(api, alice.token, document, 'Line one\nLine TWO by them\nLine three\n');
      const patch = makePatch(base, 'Line one\nLine two by me\nLine three\n');
      const response = await sendMerging('PATCH', document.id, document.etag, { patch });
      expectProblem(response, 409, 'stale_version');
      expect(StaleVersionProblemSchema.parse(response.body).merge?.conflicts.length).toBeGreaterThan(0);
      const drafts = await api<Draft[]>(`${docPath(document.id)}/drafts`, { token: alice.token });
      expect(drafts.body[0]).toMatchObject({ patch });
    });

    it('merges the title three-way: an unchanged one keeps a concurrent rename, a changed one is set', async () => {
      const document = await createDocument(api, alice.token, { title: 'Base title', content: base });
      await sendIfMatch('PATCH', document.id, alice.token, document.etag, { title: 'Renamed meanwhile' });
      // A client that always sends its title, unchanged since its base: the rename stays.
      const keeps = await sendMerging<ConcordDocument>('PUT', document.id, document.etag, {
        title: 'Base title',
        content: 'Line one\nLine two\nLine THREE\n',
      });
      expect(keeps.headers.get('preference-applied')).toBe('merge');
      expect(keeps.body).toMatchObject({
        title: 'Renamed meanwhile',
        content: 'Line one\nLine two\nLine THREE\n',
        version: 3,
      });
      // Renamed on both sides: the writer's own change is set (the other stays in the history).
      await sendIfMatch('PATCH', document.id, alice.token, keeps.body.etag, { title: 'Theirs' });
      const sets = await sendMerging<ConcordDocument>('PATCH', document.id, keeps.body.etag, {
        title: 'Mine',
      });
      expect(sets.body).toMatchObject({
        title: 'Mine',
        content: 'Line one\nLine two\nLine THREE\n',
        version: 5,
      });
    });

    it('does not merge without a base: If-Unmodified-Since stale stays a plain 409', async () => {
      const document = await createDocument(api, alice.token, { title: 'No base', content: base });
      const updated = await putDocument(api, alice.token, document, `${base}more\n`);
      const response = await send(
        'PUT',
        document.id,
        alice.token,
        {
          'if-unmodified-since': new Date(new Date(updated.updatedAt).getTime() - 5000).toUTCString(),
          prefer: 'merge',
        },
        { content: 'x' },
      );
      expectProblem(response, 409, 'stale_version');
      expect(response.body).not.toHaveProperty('merge');
    });
  });

  describe('archive, restore, delete', () => {
    it('archives and restores with preconditions; writes to an archived document are 409 document_archived', async () => {
      const document = await createDocument(api, alice.token, { title: 'Lifecycle', content: 'x' });
      expectProblem(
        await api(`${docPath(document.id)}/archive`, { method: 'POST', token: alice.token }),
        428,
        'precondition_required',
      );
      const archived = await api<ConcordDocument>(`${docPath(document.id)}/archive`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': document.etag },
      });
      expect(archived.status).toBe(200);
      expect(archived.body).toMatchObject({ state: 'archived', version: 2 });
      expect(archived.headers.get('etag')).toBe(etagFor(document.id, 2));

      const again = await api(`${docPath(document.id)}/archive`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': '*' },
      });
      expectProblem(again, 409, 'already_archived');
      const write = await sendIfMatch('PUT', document.id, alice.token, archived.body.etag, { content: 'y' });
      expectProblem(write, 409, 'document_archived');

      const restored = await api<ConcordDocument>(`${docPath(document.id)}/restore`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': archived.body.etag },
      });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ state: 'active', version: 3 });
      const notArchived = await api(`${docPath(document.id)}/restore`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': '*' },
      });
      expectProblem(notArchived, 409, 'not_archived');
      const stale = await api(`${docPath(document.id)}/archive`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': document.etag },
      });
      expectProblem(stale, 409, 'stale_version');
    });

    it('answers 422 to a body naming fields on archive, restore and DELETE, and changes nothing', async () => {
      const document = await createDocument(api, alice.token, { title: 'No body', content: 'x' });
      const withFields = { state: 'active', title: 'hijack' };
      for (const [method, path] of [
        ['POST', `${docPath(document.id)}/archive`],
        ['POST', `${docPath(document.id)}/restore`],
        ['DELETE', docPath(document.id)],
      ] as const) {
        const response = await api(path, {
          method,
          token: alice.token,
          headers: { 'if-match': '*' },
          body: withFields,
        });
        expectProblem(response, 422, 'validation_failed');
      }
      const unchanged = await api<ConcordDocument>(docPath(document.id), { token: alice.token });
      expect(unchanged.body).toMatchObject({ title: 'No body', state: 'active', version: 1 });
      const archived = await api<ConcordDocument>(`${docPath(document.id)}/archive`, {
        method: 'POST',
        token: alice.token,
        headers: { 'if-match': document.etag },
        body: {},
      });
      expect(archived.status).toBe(200);
      expect(archived.body).toMatchObject({ state: 'archived', title: 'No body', version: 2 });
    });

    it('deletes with a precondition: 204, then the document and its history are gone', async () => {
      const document = await createDocument(api, alice.token, { title: 'Delete me' });
      expectProblem(
        await api(docPath(document.id), { method: 'DELETE', token: alice.token }),
        428,
        'precondition_required',
      );
      expectProblem(
        await api(docPath(document.id), {
          method: 'DELETE',
          token: alice.token,
          headers: { 'if-match': etagFor(document.id, 7) },
        }),
        409,
        'stale_version',
      );
      const deleted = await api(docPath(document.id), {
        method: 'DELETE',
        token: alice.token,
        headers: { 'if-match': document.etag },
      });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectProblem(await api(docPath(document.id), { token: alice.token }), 404, 'not_found');
      expectProblem(
        await api(`${docPath(document.id)}/versions/1`, { token: alice.token }),
        404,
        'not_found',
      );
      expectProblem(
        await api(docPath(document.id), {
          method: 'DELETE',
          token: alice.token,
          headers: { 'if-match': '*' },
        }),
        404,
        'not_found',
      );
    });
  });

  describe('history: versions and changes', () => {
    it('lists versions newest first and returns each as it was (the merge base)', async () => {
      const document = await createDocument(api, alice.token, { title: 'History', content: 'one' });
      const v2 = await putDocument(api, alice.token, document, 'two');
      await putDocument(api, alice.token, v2, 'three');
      const versions = await api<VersionListItem[]>(`${docPath(document.id)}/versions`, {
        token: alice.token,
      });
      expect(versions.status).toBe(200);
      expect(versions.body.map((v) => v.version)).toEqual([3, 2, 1]);
      expect(versions.body[0].updatedBy).toMatchObject({ id: alice.id, username: alice.username });

      const at2 = await api<ConcordDocument>(`${docPath(document.id)}/versions/2`, { token: alice.token });
      expect(at2.status).toBe(200);
      expect(DocumentSchema.parse(at2.body)).toMatchObject({
        version: 2,
        content: 'two',
        etag: etagFor(document.id, 2),
      });
      expect(at2.headers.get('etag')).toBe(etagFor(document.id, 2));

      expectProblem(
        await api(`${docPath(document.id)}/versions/4`, { token: alice.token }),
        404,
        'not_found',
      );
      expectProblem(
        await api(`${docPath(document.id)}/versions/0`, { token: alice.token }),
        404,
        'not_found',
      );
      expectProblem(
        await api(`${docPath(document.id)}/versions/abc`, { token: alice.token }),
        404,
        'not_found',
      );
      // Beyond PostgreSQL's integer: no such version either, not a database error.
      expectProblem(
        await api(`${docPath(document.id)}/versions/9999999999`, { token: alice.token }),
        404,
        'not_found',
      );
      expectProblem(await api(`${docPath(document.id)}/versions`, { token: bob.token }), 404, 'not_found');
    });

    it('pages the version list with limit and before, naming the next page in a Link header', async () => {
      let document = await createDocument(api, alice.token, { title: 'Paged history', content: 'v1' });
      for (let version = 2; version <= 5; version += 1) {
        document = await putDocument(api, alice.token, document, `v${version}`);
      }
      const path = `${docPath(document.id)}/versions`;
      const seen: number[] = [];
      let next: string | undefined = `${path}?limit=2`;
      const links: (string | null)[] = [];
      while (next !== undefined) {
        const page: HttpResponse<VersionListItem[]> = await api<VersionListItem[]>(next, {
          token: alice.token,
        });
        expect(page.status).toBe(200);
        seen.push(...page.body.map((v) => v.version));
        const link = page.headers.get('link');
        links.push(link);
        next = link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      }
      expect(seen).toEqual([5, 4, 3, 2, 1]);
      expect(links).toEqual([
        `<${path}?limit=2&before=4>; rel="next"`,
        `<${path}?limit=2&before=2>; rel="next"`,
        null,
      ]);
      // An exact last page has no next; without limit, everything and no Link.
      const exact = await api<VersionListItem[]>(`${path}?limit=5`, { token: alice.token });
      expect(exact.body.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      expect(exact.headers.get('link')).toBeNull();
      const all = await api<VersionListItem[]>(`${path}?before=3`, { token: alice.token });
      expect(all.body.map((v) => v.version)).toEqual([2, 1]);
      expect(all.headers.get('link')).toBeNull();
      for (const query of [
        'limit=0',
        'limit=1001',
        'limit=abc',
        'limit=1e2',
        'limit=0x10',
        'limit=%2B3',
        'limit=',
        'limit=1&limit=2',
        'before=0',
        'before=-1',
        'limit=2&since=1',
      ]) {
        expectProblem(await api(`${path}?${query}`, { token: alice.token }), 422, 'validation_failed');
      }
      // Each says what is wrong with it.
      const repeated = await api<{ detail: string }>(`${path}?limit=1&limit=2`, { token: alice.token });
      expect(repeated.body.detail).toBe('The query is invalid: limit: given more than once');
      const exponent = await api<{ detail: string }>(`${path}?limit=1e2`, { token: alice.token });
      expect(exponent.body.detail).toBe(
        'The query is invalid: limit: must be a whole number in decimal digits',
      );
      expectProblem(await api(`${path}?limit=2`, { token: bob.token }), 404, 'not_found');
    });

    it('returns the changes after `since`, oldest first, that rebuild the document', async () => {
      const document = await createDocument(api, alice.token, { title: 'Changes', content: 'a' });
      const v2 = await putDocument(api, alice.token, document, 'ab');
      const renamed = await sendIfMatch<ConcordDocument>('PUT', document.id, alice.token, v2.etag, {
        content: 'abc',
        title: 'Changes renamed',
      });
      expect(renamed.status).toBe(200);
      const changes = await api<Change[]>(`${docPath(document.id)}/changes?since=1`, { token: alice.token });
      expect(changes.status).toBe(200);
      expect(changes.body.map((c) => [c.baseVersion, c.version])).toEqual([
        [1, 2],
        [2, 3],
      ]);
      expect(changes.body[0].title).toBeUndefined();
      expect(changes.body[1].title).toBe('Changes renamed');
      expect(changes.body[0].author).toMatchObject({ id: alice.id });

      const all = await api<Change[]>(`${docPath(document.id)}/changes?since=0`, { token: alice.token });
      expect(all.body).toHaveLength(3);
      let text = '';
      for (const change of all.body) {
        const applied = applyPatchStrict(text, change.patch);
        if (!applied.ok) throw new Error(applied.detail);
        text = applied.text;
      }
      expect(text).toBe('abc');

      const none = await api<Change[]>(`${docPath(document.id)}/changes?since=3`, { token: alice.token });
      expect(none.body).toEqual([]);
      const future = await api<Change[]>(`${docPath(document.id)}/changes?since=99`, { token: alice.token });
      expect(future.body).toEqual([]);
      for (const bad of ['', '-1', 'x', '1.5']) {
        expectProblem(
          await api(`${docPath(document.id)}/changes?since=${bad}`, { token: alice.token }),
          422,
          'validation_failed',
        );
      }
      expectProblem(
        await api(`${docPath(document.id)}/changes`, { token: alice.token }),
        422,
        'validation_failed',
      );
    });
  });

  describe('members and access', () => {
    it('lets the owner add editors and viewers; editors write, viewers read but get 403 on writes', async () => {
      const document = await createDocument(api, alice.token, { title: 'Shared', content: 'hello' });
      const editor = await api<Member>(`${docPath(document.id)}/members`, {
        method: 'POST',
        token: alice.token,
        body: { username: bob.username, role: 'editor' },
      });
      expect(editor.status).toBe(201);
      expect(editor.body).toEqual({
        user: { id: bob.id, username: bob.username, displayName: expect.any(String) },
        role: 'editor',
      });
      const viewer = await api<Member>(`${docPath(document.id)}/members`, {
        method: 'POST',
        token: alice.token,
        body: { username: carol.username.toUpperCase(), role: 'viewer' },
      });
      expect(viewer.status).toBe(201);

      const members = await api<Member[]>(`${docPath(document.id)}/members`, { token: carol.token });
      expect(members.body.map((m) => [m.user.username, m.role])).toEqual([
        [alice.username, 'owner'],
        [bob.username, 'editor'],
        [carol.username, 'viewer'],
      ]);

      const bobWrites = await putDocument(api, bob.token, document, 'hello from bob');
      expect(bobWrites.updatedBy.id).toBe(bob.id);
      const carolReads = await api<ConcordDocument>(docPath(document.id), { token: carol.token });
      expect(carolReads.body.content).toBe('hello from bob');
      const carolWrites = await sendIfMatch('PUT', document.id, carol.token, bobWrites.etag, {
        content: 'nope',
      });
      expectProblem(carolWrites, 403, 'forbidden');
      const carolPatches = await sendIfMatch('PATCH', document.id, carol.token, bobWrites.etag, {
        title: 'nope',
      });
      expectProblem(carolPatches, 403, 'forbidden');
      expectProblem(
        await api(`${docPath(document.id)}/archive`, {
          method: 'POST',
          token: carol.token,
          headers: { 'if-match': '*' },
        }),
        403,
        'forbidden',
      );
      // Only the owner deletes and shares.
      expectProblem(
        await api(docPath(document.id), { method: 'DELETE', token: bob.token, headers: { 'if-match': '*' } }),
        403,
        'forbidden',
      );
      expectProblem(
        await api(`${docPath(document.id)}/members`, {
          method: 'POST',
          token: bob.token,
          body: { username: carol.username, role: 'editor' },
        }),
        403,
        'forbidden',
      );
      const listed = await api<DocumentList>('/api/documents?limit=100', { token: carol.token });
      expect(listed.body.items.find((item) => item.id === document.id)?.role).toBe('viewer');
    });

    it('answers 422 for an unknown user, 409 member_exists for a member, 422 for a bad role, 404 for strangers', async () => {
      const document = await createDocument(api, alice.token, { title: 'Members errors' });
      const path = `${docPath(document.id)}/members`;
      const cases: [string, { username: string; role: string }, number, string][] = [
        [alice.token, { username: 'no-such-user-zz', role: 'editor' }, 422, 'validation_failed'],
        [alice.token, { username: alice.username, role: 'viewer' }, 409, 'member_exists'],
        [alice.token, { username: bob.username, role: 'owner' }, 422, 'validation_failed'],
        [bob.token, { username: bob.username, role: 'editor' }, 404, 'not_found'],
      ];
      for (const [token, body, status, code] of cases) {
        expectProblem(await api(path, { method: 'POST', token, body }), status, code);
      }
      expectProblem(await api(path, { token: bob.token }), 404, 'not_found');
      expectProblem(
        await sendIfMatch('PUT', document.id, bob.token, '*', { content: 'x' }),
        404,
        'not_found',
      );
    });
  });

  describe('Idempotency-Key on POST /api/documents', () => {
    /** POST /api/documents carrying an Idempotency-Key. */
    const createWithKey = <T = Record<string, unknown>>(
      token: string,
      key: string,
      body: object,
    ): Promise<HttpResponse<T>> =>
      api<T>('/api/documents', { method: 'POST', token, headers: { 'idempotency-key': key }, body });

    it('replays the first response for the same key and body, and does not create twice', async () => {
      const user = await registerUser(suite.url);
      const key = `key-${Date.now()}`;
      const body = { title: 'Once', content: 'only once' };
      const first = await createWithKey<ConcordDocument>(user.token, key, body);
      expect(first.status).toBe(201);
      const replay = await createWithKey<ConcordDocument>(user.token, key, {
        content: 'only once',
        title: 'Once',
      });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('location')).toBe(first.headers.get('location'));
      expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
      const list = await api<DocumentList>('/api/documents', { token: user.token });
      expect(list.body.items).toHaveLength(1);

      // Keys are per user: another user's same key is a fresh request.
      const other = await registerUser(suite.url);
      const theirs = await createWithKey<ConcordDocument>(other.token, key, body);
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(first.body.id);
    });

    it('answers 422 idempotency_key_mismatch for the same key with a different body', async () => {
      const key = `key-mismatch-${Date.now()}`;
      const first = await createWithKey(alice.token, key, { title: 'A' });
      expect(first.status).toBe(201);
      const second = await createWithKey(alice.token, key, { title: 'B' });
      expectProblem(second, 422, 'idempotency_key_mismatch');
    });

    it('answers 409 idempotency_in_flight (its own problem type) while the first request is still running', async () => {
      const service = suite.server.app.get(DocumentsService);
      const original = service.create.bind(service);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered: () => void = () => undefined;
      const started = new Promise<void>((resolve) => {
        entered = resolve;
      });
      // Holds the first create open (a slow request) until the second has been answered.
      const spy = jest.spyOn(service, 'create').mockImplementationOnce(async (...args) => {
        entered();
        await gate;
        return original(...args);
      });
      try {
        const key = `key-flight-${Date.now()}`;
        const body = { title: 'Slow' };
        const slow = createWithKey<ConcordDocument>(alice.token, key, body);
        await started;
        const second = await createWithKey(alice.token, key, body);
        expectProblem(second, 409, 'idempotency_in_flight');
        expect(second.body).toMatchObject({ type: 'urn:concord:problem:idempotency-in-flight' });
        release();
        const first = await slow;
        expect(first.status).toBe(201);
        const replay = await createWithKey<ConcordDocument>(alice.token, key, body);
        expect(replay.status).toBe(201);
        expect(replay.body.id).toBe(first.body.id);
      } finally {
        release();
        spy.mockRestore();
      }
    });

    it('creates exactly one document when several requests race with one key', async () => {
      const user = await registerUser(suite.url);
      const key = `key-race-${Date.now()}`;
      const body = { title: 'Raced', content: 'once' };
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => createWithKey<ConcordDocument>(user.token, key, body)),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      for (const response of responses.filter((r) => r.status !== 201)) {
        expectProblem(response, 409, 'idempotency_in_flight');
      }
      const list = await api<DocumentList>('/api/documents', { token: user.token });
      expect(list.body.items.map((item) => item.id)).toEqual([created[0].body.id]);
    });

    it('releases the key when the first attempt fails, so a retry runs again', async () => {
      const slug = `idem-slug-${Date.now()}`;
      await createDocument(api, alice.token, { title: 'Holder', slug });
      const key = `key-fail-${Date.now()}`;
      const body = { title: 'Wants slug', slug };
      expectProblem(await createWithKey(alice.token, key, body), 409, 'slug_taken');
      expectProblem(await createWithKey(alice.token, key, body), 409, 'slug_taken');
    });
  });
});
