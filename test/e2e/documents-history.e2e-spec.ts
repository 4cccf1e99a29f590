import {
  type Change,
  type ConcordDocument,
  type Draft,
  type UserSummary,
  applyPatchStrict,
  etagFor,
  makePatch,
} from '@concord/shared';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { describeE2E, useSuiteServer } from '../support';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the socket gateway's entry point and the domain events are server internals
import { DocumentChangedEvent, DocumentStateEvent } from '../../server/src/documents/document-events';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { DocumentsService } from '../../server/src/documents/documents.service';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { DocumentHistoryService } from '../../server/src/documents/document-history.service';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { DraftsService } from '../../server/src/documents/drafts.service';
import { createDocument, expectProblem, putDocument } from './documents.helpers';

const HISTORY_LIMIT = 3;
const MAX_DOCUMENT_BYTES = 2048;

describeE2E('documents: history retention, size limits, drafts retention, events, socket edits', () => {
  const suite = useSuiteServer({
    env: { HISTORY_LIMIT: String(HISTORY_LIMIT), MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES) },
    users: 4,
  });
  const { api } = suite;
  let user: { token: string; user: UserSummary };

  beforeAll(() => {
    [user] = suite.users;
  });

  /** A PUT of `content` over `document`'s (stale) ETag, asserting its 409: each keeps a draft. */
  async function putStale(document: ConcordDocument, content: string): Promise<void> {
    const response = await api(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: user.token,
      headers: { 'if-match': document.etag },
      body: { content },
    });
    expect(response.status).toBe(409);
  }

  it(`keeps only the latest ${HISTORY_LIMIT} patches: older "since" → 410 history_pruned, full versions stay`, async () => {
    let document = await createDocument(api, user.token, { title: 'Pruned', content: 'v1' });
    for (let v = 2; v <= 6; v++) document = await putDocument(api, user.token, document, `v${v}`);
    // Patches kept: 4, 5, 6 → since=3 is the oldest reachable.
    const covered = await api<Change[]>(`/api/documents/${document.id}/changes?since=3`, {
      token: user.token,
    });
    expect(covered.status).toBe(200);
    expect(covered.body.map((c) => c.version)).toEqual([4, 5, 6]);
    let text = 'v3';
    for (const change of covered.body) {
      const applied = applyPatchStrict(text, change.patch);
      if (!applied.ok) throw new Error(applied.detail);
      text = applied.text;
    }
    expect(text).toBe('v6');
    for (const since of [0, 1, 2]) {
      const pruned = await api(`/api/documents/${document.id}/changes?since=${since}`, { token: user.token });
      expectProblem(pruned, 410, 'history_pruned');
    }
    const oldest = await api<ConcordDocument>(`/api/documents/${document.id}/versions/1`, {
      token: user.token,
    });
    expect(oldest.body).toMatchObject({ version: 1, content: 'v1' });
    // Prefer: merge still finds its base in the full versions even when the patches are gone.
    const merged = await api<ConcordDocument>(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: user.token,
      headers: { 'if-match': etagFor(document.id, 1), prefer: 'merge' },
      body: { content: 'v1' },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ content: 'v6', version: 7 });
  });

  it('answers 413 when a PATCH or a merge result would exceed MAX_DOCUMENT_BYTES, and writes nothing', async () => {
    const content = `${'a'.repeat(1000)}\n${'b'.repeat(1000)}\n`;
    const document = await createDocument(api, user.token, { title: 'Big', content });
    const grown = `${content}${'🎉'.repeat(20)}`; // 80 more UTF-8 bytes
    const patched = await api(`/api/documents/${document.id}`, {
      method: 'PATCH',
      token: user.token,
      headers: { 'if-match': document.etag },
      body: { patch: makePatch(content, grown) },
    });
    expectProblem(patched, 413, 'payload_too_large');

    const theirs = `${'a'.repeat(1000)}\n${'b'.repeat(1000)}\nc${'x'.repeat(20)}\n`;
    const current = await putDocument(api, user.token, document, theirs);
    expect(current.version).toBe(2);
    const mine = `${'z'.repeat(25)}\n${content}`;
    const merged = await api(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: user.token,
      headers: { 'if-match': document.etag, prefer: 'merge' },
      body: { content: mine },
    });
    expectProblem(merged, 413, 'payload_too_large');
    const read = await api<ConcordDocument>(`/api/documents/${document.id}`, { token: user.token });
    expect(read.body.version).toBe(2);
  });

  it('prunes drafts older than the retention (7 days) and keeps younger ones', async () => {
    const document = await createDocument(api, user.token, { title: 'Old drafts', content: 'a' });
    await putDocument(api, user.token, document, 'b');
    for (const content of ['old', 'young']) await putStale(document, content);
    const dataSource = suite.server.app.get(DataSource);
    await dataSource.query(
      `UPDATE document_drafts SET created_at = now() - interval '8 days' WHERE document_id = $1 AND content = 'old'`,
      [document.id],
    );
    await dataSource.query(
      `UPDATE document_drafts SET created_at = now() - interval '6 days' WHERE document_id = $1 AND content = 'young'`,
      [document.id],
    );
    const drafts = await api<Draft[]>(`/api/documents/${document.id}/drafts`, { token: user.token });
    expect(drafts.body.map((d) => d.content)).toEqual(['young']);
  });

  it('keeps one draft, renewed, for a stale write resent unchanged (a retry loop adds no copies)', async () => {
    const document = await createDocument(api, user.token, { title: 'Resent', content: 'a' });
    await putDocument(api, user.token, document, 'b');
    const resend = (content: string): Promise<void> => putStale(document, content);
    const dataSource = suite.server.app.get(DataSource);
    await resend('mine');
    await dataSource.query(
      `UPDATE document_drafts SET created_at = now() - interval '6 days' WHERE document_id = $1`,
      [document.id],
    );
    await resend('mine');
    await resend('mine');
    const [renewed] = await dataSource.query<Array<{ age: number }>>(
      `SELECT extract(epoch FROM now() - created_at) AS age FROM document_drafts WHERE document_id = $1`,
      [document.id],
    );
    expect(Number(renewed.age)).toBeLessThan(3600);
    // Only a copy of the latest draft is folded: other bodies in between are all kept.
    await resend('other');
    await resend('mine');
    const drafts = await api<Draft[]>(`/api/documents/${document.id}/drafts`, { token: user.token });
    expect(drafts.body.map((d) => d.content)).toEqual(['mine', 'other', 'mine']);
  });

  it('emits document.changed for every accepted write and document.state on rename/archive/restore/delete, after commit', async () => {
    const emitter = suite.server.app.get(EventEmitter2);
    const changed: DocumentChangedEvent[] = [];
    const states: DocumentStateEvent[] = [];
    const onChanged = (event: DocumentChangedEvent): void => void changed.push(event);
    const onState = (event: DocumentStateEvent): void => void states.push(event);
    emitter.on('document.changed', onChanged);
    emitter.on('document.state', onState);
    try {
      const document = await createDocument(api, user.token, { title: 'Evented', content: 'hello' });
      const v2 = await putDocument(api, user.token, document, 'hello world');
      const renamed = await api<ConcordDocument>(`/api/documents/${document.id}`, {
        method: 'PATCH',
        token: user.token,
        headers: { 'if-match': v2.etag },
        body: { title: 'Evented renamed' },
      });
      const stale = await api(`/api/documents/${document.id}`, {
        method: 'PUT',
        token: user.token,
        headers: { 'if-match': v2.etag },
        body: { content: 'rejected' },
      });
      expect(stale.status).toBe(409);
      const archived = await api<ConcordDocument>(`/api/documents/${document.id}/archive`, {
        method: 'POST',
        token: user.token,
        headers: { 'if-match': renamed.body.etag },
      });
      await api(`/api/documents/${document.id}/restore`, {
        method: 'POST',
        token: user.token,
        headers: { 'if-match': archived.body.etag },
      });
      await api(`/api/documents/${document.id}`, {
        method: 'DELETE',
        token: user.token,
        headers: { 'if-match': '*' },
      });

      const mine = changed.filter((e) => e.documentId === document.id);
      expect(mine.map((e) => [e.baseVersion, e.version])).toEqual([
        [1, 2],
        [2, 3],
        [3, 4],
        [4, 5],
      ]);
      expect(mine[0]).toMatchObject({
        etag: etagFor(document.id, 2),
        author: { id: user.user.id },
        patch: makePatch('hello', 'hello world'),
      });
      expect(mine[0].title).toBeUndefined();
      expect(mine[1].title).toBe('Evented renamed');
      expect(new Date(mine[0].at).toISOString()).toBe(mine[0].at);
      expect(states.filter((e) => e.documentId === document.id).map((e) => [e.state, e.version])).toEqual([
        ['active', 3],
        ['archived', 4],
        ['active', 5],
        ['deleted', 5],
      ]);
    } finally {
      emitter.off('document.changed', onChanged);
      emitter.off('document.state', onState);
    }
  });

  it('answers an accepted write 200 even when an event listener throws (the write is already durable)', async () => {
    const emitter = suite.server.app.get(EventEmitter2);
    const broken = (): void => {
      throw new Error('listener bug');
    };
    emitter.on('document.changed', broken);
    try {
      const document = await createDocument(api, user.token, { title: 'Listener bug', content: 'a' });
      const written = await putDocument(api, user.token, document, 'b');
      expect(written.version).toBe(2);
    } finally {
      emitter.off('document.changed', broken);
    }
  });

  it('stores full texts on keyframes only, and every version still reads back exactly (HTTP writes, socket groups, merges)', async () => {
    const service = suite.server.app.get(DocumentsService);
    const expected = new Map<number, string>();
    const lines = Array.from({ length: 80 }, (_, line) => `line ${line}`);
    let document = await createDocument(api, user.token, {
      title: 'Deltas',
      content: `${lines.join('\n')}\n`,
    });
    expected.set(1, document.content);
    for (let line = 80; line < 104; line++) {
      document = await putDocument(api, user.token, document, `${document.content}line ${line}\n`);
      expected.set(document.version, document.content);
    }
    // 31 stale socket edits at distinct places, sent together: the first is written alone, the
    // other 30 wait and go in one group whose earlier versions include keyframe 32.
    const base = document.content;
    const results = await Promise.all(
      Array.from({ length: 31 }, (_, i) => {
        const at = 2 * i + 1;
        const mine = `${[...lines.slice(0, at), `socket ${i}`, ...lines.slice(at)].join('\n')}\n${base.slice(`${lines.join('\n')}\n`.length)}`;
        return service.applyEdit(user.user, document.id, {
          baseVersion: document.version,
          patch: makePatch(base, mine),
          merge: true,
        });
      }),
    );
    for (const result of results) expected.set(result.document.version, result.document.content);
    expect([...expected.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 56 }, (_, i) => i + 1));

    const dataSource = suite.server.app.get(DataSource);
    const keyframes = await dataSource.query<{ version: number }[]>(
      `SELECT version FROM document_versions WHERE document_id = $1 AND content IS NOT NULL ORDER BY version`,
      [document.id],
    );
    expect(keyframes.map((row) => row.version)).toEqual([1, 32]);
    for (const [version, content] of expected) {
      const read = await api<ConcordDocument>(`/api/documents/${document.id}/versions/${version}`, {
        token: user.token,
      });
      expect({ version, content: read.body.content }).toEqual({ version, content });
    }

    // A stale merge whose base is not a keyframe finds it by replay.
    const baseText = expected.get(20)!;
    const merged = await api<ConcordDocument>(`/api/documents/${document.id}`, {
      method: 'PUT',
      token: user.token,
      headers: { 'if-match': etagFor(document.id, 20), prefer: 'merge' },
      body: { content: baseText.replace('line 70\n', 'LINE 70\n') },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      version: 57,
      content: expected.get(56)!.replace('line 70\n', 'LINE 70\n'),
    });
  });

  describe('DocumentsService.applyEdit (the socket gateway entry point)', () => {
    let seen: DocumentChangedEvent[];
    const record = (event: DocumentChangedEvent): void => void seen.push(event);
    beforeEach(() => {
      seen = [];
      suite.server.app.get(EventEmitter2).on('document.changed', record);
    });
    afterEach(() => {
      suite.server.app.get(EventEmitter2).off('document.changed', record);
    });

    it('accepts a current-base edit, merges a stale one with a catch-up patch, and rejects overlapping ones with stale_version + merge', async () => {
      const service = suite.server.app.get(DocumentsService);
      const base = 'alpha\nbeta\ngamma\n';
      const document = await createDocument(api, user.token, { title: 'Socket', content: base });
      const first = await service.applyEdit(user.user, document.id, {
        baseVersion: 1,
        patch: makePatch(base, 'ALPHA\nbeta\ngamma\n'),
        clientEditId: 'e1',
        originSocketId: 'sock-1',
      });
      expect(first).toMatchObject({
        merged: false,
        document: { version: 2, content: 'ALPHA\nbeta\ngamma\n' },
      });
      expect(first.patch).toBeUndefined();
      expect(seen.find((e) => e.version === 2 && e.documentId === document.id)).toMatchObject({
        clientEditId: 'e1',
        originSocketId: 'sock-1',
      });

      // Stale (base 1) but elsewhere: merged; `patch` turns the sender's text into the server's.
      const senderText = 'alpha\nbeta\nGAMMA\n';
      const second = await service.applyEdit(user.user, document.id, {
        baseVersion: 1,
        patch: makePatch(base, senderText),
        merge: true,
      });
      expect(second.merged).toBe(true);
      expect(second.document).toMatchObject({ version: 3, content: 'ALPHA\nbeta\nGAMMA\n' });
      const catchUp = applyPatchStrict(senderText, second.patch ?? '');
      expect(catchUp).toEqual({ ok: true, text: 'ALPHA\nbeta\nGAMMA\n' });

      // Stale without merge: stale_version with current.
      await expect(
        service.applyEdit(user.user, document.id, {
          baseVersion: 2,
          patch: makePatch('ALPHA\nbeta\ngamma\n', 'x'),
        }),
      ).rejects.toMatchObject({
        code: 'stale_version',
        status: 409,
        extensions: { yourVersion: 2, current: { version: 3 } },
      });

      // Stale, overlapping, with merge: stale_version with current and the merge attempt.
      await expect(
        service.applyEdit(user.user, document.id, {
          baseVersion: 1,
          patch: makePatch(base, 'alpha!!\nbeta\ngamma\n'),
          merge: true,
        }),
      ).rejects.toMatchObject({
        code: 'stale_version',
        extensions: {
          current: { version: 3 },
          merge: { conflicts: expect.arrayContaining([expect.any(Object)]) },
        },
      });

      // A patch that does not apply: 422, nothing written.
      await expect(
        service.applyEdit(user.user, document.id, {
          baseVersion: 3,
          patch: makePatch('nothing like it', 'nothing like this'),
        }),
      ).rejects.toMatchObject({ code: 'patch_does_not_apply', status: 422 });

      const changes = await suite.server.app
        .get(DocumentHistoryService)
        .changesSince(user.user, document.id, 1);
      expect(changes.map((c) => c.version)).toEqual([2, 3]);
      const { document: latest, role } = await service.getForUser(user.user, document.id);
      expect(latest.version).toBe(3);
      expect(role).toBe('owner');
    });
    it('writes edits of one document that arrive together as one group, each answered as if written alone', async () => {
      const service = suite.server.app.get(DocumentsService);
      const [owner, editor, viewer, stranger] = suite.users;
      const v1 = 'one\ntwo\nthree\nfour\n';
      const document = await createDocument(api, owner.token, { title: 'Group', content: v1 });
      for (const [member, role] of [
        [editor, 'editor'],
        [viewer, 'viewer'],
      ] as const) {
        const added = await api(`/api/documents/${document.id}/members`, {
          method: 'POST',
          token: owner.token,
          body: { username: member.user.username, role },
        });
        expect(added.status).toBe(201);
      }
      const edit = (
        from: string,
        to: string,
        baseVersion: number,
        extra: { merge?: boolean; clientEditId?: string } = {},
      ) => ({
        baseVersion,
        patch: makePatch(from, to),
        originSocketId: `socket-${extra.clientEditId ?? 'x'}`,
        ...extra,
      });
      const v2 = 'ONE\ntwo\nthree\nfour\n';
      // The first edit of an idle document is written at once, alone; the others arrive while it is
      // in progress and are written together after it, in arrival order.
      const submitted = [
        service.applyEdit(owner.user, document.id, edit(v1, v2, 1, { clientEditId: 'lone' })),
        // Stale (base 1) but elsewhere: merged onto v2 → v3.
        service.applyEdit(
          editor.user,
          document.id,
          edit(v1, 'one\ntwo\nthree\nFOUR\n', 1, { merge: true, clientEditId: 'merged' }),
        ),
        service.applyEdit(viewer.user, document.id, edit(v1, 'viewer\n', 1, { merge: true })),
        service.applyEdit(stranger.user, document.id, edit(v1, 'stranger\n', 1, { merge: true })),
        // Stale without merge: 409 against the group's state at that point (v3).
        service.applyEdit(
          owner.user,
          document.id,
          edit(v1, 'one\nTWO\nthree\nfour\n', 1, { clientEditId: 'stale' }),
        ),
        // Stale with merge, but the same line as the lone edit: 409 with the merge attempt.
        service.applyEdit(
          owner.user,
          document.id,
          edit(v1, 'one!\ntwo\nthree\nfour\n', 1, { merge: true, clientEditId: 'conflict' }),
        ),
        service.applyEdit(editor.user, document.id, { baseVersion: 3, patch: 'not a patch' }),
        // Names v3, a version made earlier in the same group: fresh → v4.
        service.applyEdit(
          editor.user,
          document.id,
          edit('ONE\ntwo\nthree\nFOUR\n', 'ONE\ntwo\n2.5\nthree\nFOUR\n', 3, { clientEditId: 'chained' }),
        ),
        // Names v2 (stored before the group): merged onto v4 → v5.
        service.applyEdit(
          owner.user,
          document.id,
          edit(v2, 'zero\nONE\ntwo\nthree\nfour\n', 2, { merge: true, clientEditId: 'tail' }),
        ),
        // A base no version can have (beyond PostgreSQL's integer): stale, not a database error.
        service.applyEdit(editor.user, document.id, edit(v1, 'huge\n', 2 ** 40, { merge: true })),
      ];
      const answers = await Promise.allSettled(submitted);
      const outcome = answers.map((answer) =>
        answer.status === 'fulfilled'
          ? `${answer.value.document.version}${answer.value.merged ? ' merged' : ''}`
          : `${(answer.reason as { status: number }).status} ${(answer.reason as { code: string }).code}`,
      );
      expect(outcome).toEqual([
        '2',
        '3 merged',
        '403 forbidden',
        '404 not_found',
        '409 stale_version',
        '409 stale_version',
        '422 patch_does_not_apply',
        '4',
        '5 merged',
        '409 stale_version',
      ]);
      const value = (index: number) =>
        (answers[index] as PromiseFulfilledResult<Awaited<(typeof submitted)[0]>>).value;
      const v5 = 'zero\nONE\ntwo\n2.5\nthree\nFOUR\n';
      expect(value(8).document).toMatchObject({ version: 5, content: v5, updatedBy: owner.user });
      expect(value(7).document).toMatchObject({ version: 4, updatedBy: editor.user });
      // Each merged answer's patch turns that sender's own text into the version it got.
      expect(applyPatchStrict('one\ntwo\nthree\nFOUR\n', value(1).patch ?? '')).toEqual({
        ok: true,
        text: 'ONE\ntwo\nthree\nFOUR\n',
      });
      expect(applyPatchStrict('zero\nONE\ntwo\nthree\nfour\n', value(8).patch ?? '')).toEqual({
        ok: true,
        text: v5,
      });
      const [stale, conflict] = [answers[4], answers[5]].map(
        (answer) => (answer as PromiseRejectedResult).reason,
      );
      expect(stale).toMatchObject({ extensions: { yourVersion: 1, current: { version: 3 } } });
      expect(conflict).toMatchObject({
        extensions: {
          current: { version: 3 },
          merge: { conflicts: expect.arrayContaining([expect.any(Object)]) },
        },
      });

      // One event per version, in order, each from the version before, with its author and edit id.
      const events = seen.filter((event) => event.documentId === document.id);
      expect(
        events.map((e) => [e.baseVersion, e.version, e.author.id, e.clientEditId, e.originSocketId]),
      ).toEqual([
        [1, 2, owner.user.id, 'lone', 'socket-lone'],
        [2, 3, editor.user.id, 'merged', 'socket-merged'],
        [3, 4, editor.user.id, 'chained', 'socket-chained'],
        [4, 5, owner.user.id, 'tail', 'socket-tail'],
      ]);
      // Every version is stored whole, and each event's patch leads from one to the next.
      let text = v1;
      for (const event of events) {
        const applied = applyPatchStrict(text, event.patch);
        if (!applied.ok) throw new Error(applied.detail);
        text = applied.text;
        const stored = await api<ConcordDocument>(`/api/documents/${document.id}/versions/${event.version}`, {
          token: owner.token,
        });
        expect(stored.body).toMatchObject({ version: event.version, content: text });
      }
      expect(text).toBe(v5);
      // Nothing typed is lost: both 409s are the owner's drafts, and the editor's edit on a base
      // no version can have is kept too (its base, which would not bind, as unknown).
      const drafts = await api<Draft[]>(`/api/documents/${document.id}/drafts`, { token: owner.token });
      expect(drafts.body.map((draft) => [draft.baseVersion, draft.patch]).sort()).toEqual(
        [
          [1, makePatch(v1, 'one\nTWO\nthree\nfour\n')],
          [1, makePatch(v1, 'one!\ntwo\nthree\nfour\n')],
        ].sort(),
      );
      const editorDrafts = await api<Draft[]>(`/api/documents/${document.id}/drafts`, {
        token: editor.token,
      });
      expect(editorDrafts.body.map((draft) => [draft.baseVersion, draft.patch])).toEqual([
        [null, makePatch(v1, 'huge\n')],
      ]);
    });

    it('answers the accepted edits of a group even when the draft of one of its 409s cannot be kept', async () => {
      const service = suite.server.app.get(DocumentsService);
      const drafts = suite.server.app.get(DraftsService);
      const [owner] = suite.users;
      const v1 = 'one\ntwo\n';
      const v2 = 'one\ntwo\nthree\n';
      const v3 = 'zero\none\ntwo\nthree\n';
      const document = await createDocument(api, owner.token, { title: 'Draft fails', content: v1 });
      const keep = jest.spyOn(drafts, 'keep').mockRejectedValueOnce(new Error('the drafts table is gone'));
      try {
        // A lone edit is written at once; the two after it arrive meanwhile and form a group: one
        // accepted (it names v2), one stale without merge (409, whose draft then fails).
        const answers = await Promise.allSettled([
          service.applyEdit(owner.user, document.id, { baseVersion: 1, patch: makePatch(v1, v2) }),
          service.applyEdit(owner.user, document.id, { baseVersion: 2, patch: makePatch(v2, v3) }),
          service.applyEdit(owner.user, document.id, { baseVersion: 1, patch: makePatch(v1, 'ONE\ntwo\n') }),
        ]);
        expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
        expect(
          (answers[1] as PromiseFulfilledResult<{ document: { version: number } }>).value.document.version,
        ).toBe(3);
        expect((answers[2] as PromiseRejectedResult).reason).toMatchObject({
          message: 'the drafts table is gone',
        });
        expect(keep).toHaveBeenCalledTimes(1);
      } finally {
        keep.mockRestore();
      }
      const { document: latest } = await service.getForUser(owner.user, document.id);
      expect(latest).toMatchObject({ version: 3, content: v3 });
    });

    it('reads a grouped merge base that this process no longer remembers, instead of answering 409', async () => {
      const service = suite.server.app.get(DocumentsService);
      const [owner] = suite.users;
      const v1 = 'one\ntwo\nthree\n';
      const document = await createDocument(api, owner.token, { title: 'Old base', content: v1 });
      // More versions than a process remembers of a document: v1 is then only in PostgreSQL.
      let text = v1;
      for (let version = 1; version <= 40; version++) {
        const next = `${text}line ${version}\n`;
        await service.applyEdit(owner.user, document.id, {
          baseVersion: version,
          patch: makePatch(text, next),
        });
        text = next;
      }
      const v42 = `${text}lone\n`;
      // A lone edit of v41 is written at once; the two after it arrive meanwhile and form a group
      // with one edit accepted on the remembered state and one whose base (v1) must be read.
      const answers = await Promise.allSettled([
        service.applyEdit(owner.user, document.id, { baseVersion: 41, patch: makePatch(text, v42) }),
        service.applyEdit(owner.user, document.id, {
          baseVersion: 1,
          patch: makePatch(v1, 'one\nTWO\nthree\n'),
          merge: true,
        }),
        service.applyEdit(owner.user, document.id, {
          baseVersion: 42,
          patch: makePatch(v42, `zero\n${v42}`),
          merge: true,
        }),
      ]);
      expect(
        answers.map((answer) =>
          answer.status === 'fulfilled'
            ? `${answer.value.document.version}${answer.value.merged ? ' merged' : ''}`
            : `${(answer.reason as { status: number }).status} ${(answer.reason as { code: string }).code}`,
        ),
      ).toEqual(['42', '43 merged', '44 merged']);
      const { document: latest } = await service.getForUser(owner.user, document.id);
      expect(latest.content).toBe(`zero\n${v42.replace('two', 'TWO')}`);
    });
  });
});
