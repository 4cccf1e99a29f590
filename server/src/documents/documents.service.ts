import {
  type ConcordDocument,
  type CreateDocumentRequest,
  type DocumentList,
  type DocumentState,
  type ListDocumentsQuery,
  type MemberRole,
  type ServerMerge,
  type UserSummary,
  applyPatchStrict,
  etagFor,
  makePatch,
  mergeForAuthor,
  patchOfEdits,
} from '@concord/shared';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { ACCOUNT_DELETED, AccountDeletedEvent, type DeletedDocument } from '../auth/account-events';
import { publishAfterCommit } from '../common/domain-events';
import { ProblemError } from '../common/problem.error';
import { type AppConfig, appConfig } from '../config/app.config';
import { isUniqueViolation } from '../database/database-errors';
import { MetricsService } from '../observability/metrics.service';
import { type PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { withTransaction } from '../database/transaction';
import { textProblem, utf8Bytes } from './document-content';
import {
  DOCUMENT_CHANGED,
  DOCUMENT_STATE,
  DocumentChangedEvent,
  DocumentStateEvent,
} from './document-events';
import {
  documentArchived,
  documentNotFound,
  invalidText,
  preconditionRequired,
  staleVersion,
} from './document-problems';
import {
  documentColumns,
  type DocumentRow,
  type ListRow,
  execute,
  select,
  toDocument,
  toListItem,
} from './document-rows';
import { DraftsService } from './drafts.service';
import { DocumentHistoryService } from './document-history.service';
import { checkDocumentId, isUuid, lockRow, readVisible } from './document-access';
import { type EntityTagList, ifMatchMatches, modifiedSince, versionNamedBy } from './preconditions';
import { type Answer, GroupCommit } from './group-commit';
import { RecentVersions } from './recent-versions';
import { firstFreeSlug, slugify } from './slug';
import { isKeyframe, replayRowsSql, replayVersions } from './version-history';

/** What a write is conditioned on: an HTTP precondition header, or a socket edit's base version. */
export type WritePrecondition =
  | { kind: 'if-match'; tags: EntityTagList }
  | { kind: 'if-unmodified-since'; seconds: number }
  | { kind: 'base-version'; version: number };

export type ContentChange =
  { kind: 'put'; content: string; title?: string } | { kind: 'patch'; patch?: string; title?: string };

export interface WriteOptions {
  /** `Prefer: merge` / socket `merge: true`: merge a stale write against the version it names. */
  merge?: boolean;
  clientEditId?: string;
  originSocketId?: string;
}

export interface WriteResult {
  document: ConcordDocument;
  merged: boolean;
  /** When merged: the patch that turns the sender's text (base + its change) into the new text. */
  patch?: string;
}

export interface EditRequest {
  baseVersion: number;
  patch: string;
  merge?: boolean;
  clientEditId?: string;
  originSocketId?: string;
}

/** What a write decides from the row it read: the document's next state. */
interface Decided {
  title: string;
  content: string;
  state: DocumentState;
  /** Set when merged: the patch from the sender's own text to the merged content (its catch-up). */
  ackPatch?: string;
}

/** One new version: the row before and after it, and the patch between their contents. */
interface VersionStep {
  before: DocumentRow;
  after: DocumentRow;
  patch: string;
  /** Set when merged (see Decided). */
  ackPatch?: string;
}

/** A version a group of socket edits makes, with what its broadcast needs. */
interface EditStep extends VersionStep {
  user: UserSummary;
  options: WriteOptions;
}

/** A group of socket edits decided: the versions it makes and each edit's answer, in order. */
interface EditGroup {
  steps: EditStep[];
  answers: Array<PromiseSettledResult<WriteResult>>;
}

/** A socket edit waiting for its document's group commit. */
interface QueuedEdit {
  user: UserSummary;
  edit: EditRequest;
}

/**
 * The compare-and-swap of every content write (see writeIfUnchanged): $1 id, $2 expected version,
 * $3–$8 the new state, $9 its patch, $10 whether its history row keeps the text (a keyframe),
 * $11–$16 the earlier versions of a group (text null unless a keyframe), $17 users who must be
 * owners or editors.
 */
const WRITE_IF_UNCHANGED: PreparedStatement = {
  name: 'concord_write_if_unchanged',
  text: `WITH updated AS (
         UPDATE documents SET title = $3, content = $4, state = $5, version = $6, updated_at = $7, updated_by = $8
          WHERE id = $1 AND version = $2
            AND (SELECT count(*) FROM document_members w
                  WHERE w.document_id = $1 AND w.user_id = ANY($17::uuid[]) AND w.role IN ('owner', 'editor'))
                = cardinality($17::uuid[])
         RETURNING id, version, title, content, state, updated_at, updated_by
       ), recorded AS (
         INSERT INTO document_versions (document_id, version, title, content, state, patch, updated_at, updated_by)
         SELECT id, version, title, CASE WHEN $10::boolean THEN content END, state, $9::text, updated_at, updated_by
           FROM updated
         UNION ALL
         SELECT $1, e.version, e.title, e.content, e.state, e.patch, $7, e.updated_by
           FROM unnest($11::int[], $12::text[], $13::text[], $14::text[], $15::text[], $16::uuid[])
                AS e(version, title, content, state, patch, updated_by)
          WHERE EXISTS (SELECT FROM updated)
       )
       SELECT id FROM updated`,
};

/**
 * A group of edits' read (see readForEditors): $1 id, $2 the senders, $3 merge bases. Only the
 * bases older than the current version are replayed: a group of fresh edits reads no history.
 * What the senders may not see is not read at all: the text only when one of them is a member,
 * the history only when one of them may write (an outsider's edit costs what one to an unknown
 * id does, and cannot make the server rebuild old versions).
 */
export const EDITORS_DOCUMENT: PreparedStatement = {
  name: 'concord_editors_document',
  text: `SELECT ${documentColumns('CASE WHEN s.roles IS NOT NULL THEN d.content END')},
              coalesce(s.roles, '{}') AS roles,
              CASE WHEN s.may_write THEN
                (SELECT coalesce(json_agg(json_build_array(r.version, r.content, r.patch) ORDER BY r.version), '[]')
                   FROM (${replayRowsSql(
                     'd.id',
                     '(SELECT min(b) FROM unnest($3::bigint[]) b WHERE b < d.version)',
                     '(SELECT max(b) FROM unnest($3::bigint[]) b WHERE b < d.version)',
                   )}) r)
              ELSE '[]' END AS bases
         FROM documents d
         JOIN users u ON u.id = d.updated_by
         LEFT JOIN document_members m ON m.document_id = d.id AND m.user_id = ($2::uuid[])[1]
         CROSS JOIN LATERAL (
           SELECT json_object_agg(e.user_id, e.role) AS roles, bool_or(e.role <> 'viewer') AS may_write
             FROM document_members e WHERE e.document_id = d.id AND e.user_id = ANY($2::uuid[])
         ) s
        WHERE d.id = $1`,
};

/** Compare-and-swap misses are retried this often (each re-reads and re-decides) before giving up. */
const MAX_CAS_ATTEMPTS = 8;
const SLUG_ATTEMPTS = 5;
/**
 * Socket edits of one document written in one statement at most. Each may need a merge, and
 * the group is decided synchronously: this bounds how long one group holds the event loop.
 */
const MAX_EDITS_PER_COMMIT = 32;
/**
 * RecentVersions' bounds: the contents of a document's latest versions are the merge bases of
 * its stale edits (a busy document's typists lag a few versions behind); 64 MiB in all.
 */
const RECENT_VERSIONS_PER_DOCUMENT = 32;
const RECENT_VERSIONS_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The one write path of Concord. Every accepted write gets the next version — a group of socket
 * edits committed together gets consecutive ones — through one statement with
 * `UPDATE … WHERE id = $1 AND version = $2` (the affected-row count is checked; a miss re-reads
 * and decides again) that also stores each new version in document_versions: its patch from the
 * previous one, and its full text only for keyframes (version-history.ts); domain events go out
 * after commit, one per version.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);
  /** Writes of each document in progress in this process (see casLoop). */
  private readonly writing = new Map<string, number>();
  /** Socket edits queue per document while one of its writes is in progress here (see writeEdits). */
  private readonly editCommits = new GroupCommit<QueuedEdit, WriteResult>(
    (id, edits) => this.writeEdits(id, edits),
    MAX_EDITS_PER_COMMIT,
  );
  /** What this process last committed of each recently written document (see attemptEdits). */
  private readonly recent = new RecentVersions(RECENT_VERSIONS_MAX_BYTES, RECENT_VERSIONS_PER_DOCUMENT);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
    private readonly drafts: DraftsService,
    private readonly history: DocumentHistoryService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  // ---- reads -------------------------------------------------------------------------------

  async getForUser(user: UserSummary, id: string): Promise<{ document: ConcordDocument; role: MemberRole }> {
    const row = await readVisible(this.dataSource.manager, user, id);
    return { document: toDocument(row), role: row.role ?? 'viewer' };
  }

  async list(user: UserSummary, query: ListDocumentsQuery): Promise<DocumentList> {
    const params: unknown[] = [user.id];
    const where: string[] = [];
    if (query.state !== 'all') {
      params.push(query.state);
      where.push(`d.state = $${params.length}`);
    }
    if (query.q !== undefined && query.q.trim() !== '') {
      params.push(`%${escapeLike(query.q.trim())}%`);
      where.push(
        `(d.title ILIKE $${params.length} ESCAPE '\\' OR d.content ILIKE $${params.length} ESCAPE '\\')`,
      );
    }
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.updatedAt, cursor.id);
      where.push(`(d.updated_at, d.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    const rows = await select<ListRow>(
      this.dataSource.manager,
      `SELECT d.id, d.title, d.slug, d.version, d.state, d.owner_id, d.created_at, d.updated_at,
              u.id AS updated_by_id, u.username AS updated_by_username, u.display_name AS updated_by_display_name,
              m.role
         FROM documents d
         JOIN document_members m ON m.document_id = d.id AND m.user_id = $1
         JOIN users u ON u.id = d.updated_by
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY d.updated_at DESC, d.id DESC
        LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toListItem),
      nextCursor:
        rows.length > query.limit && last !== undefined ? encodeCursor(last.updated_at, last.id) : null,
    };
  }

  // ---- creation ----------------------------------------------------------------------------

  async create(user: UserSummary, request: CreateDocumentRequest): Promise<ConcordDocument> {
    const content = request.content ?? '';
    this.checkText('title', request.title);
    this.checkContent(content);
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await withTransaction(this.dataSource, async (m) => {
          // Slugs are unique per owner: another owner's slugs are neither visible nor in the way.
          const slug = request.slug ?? (await this.freeSlug(m, user.id, slugify(request.title)));
          if (request.slug !== undefined) {
            const taken = await select<{ id: string }>(
              m,
              `SELECT id FROM documents WHERE owner_id = $1 AND slug = $2`,
              [user.id, slug],
            );
            if (taken.length > 0) throw slugTaken(slug);
          }
          const id = randomUUID();
          const now = new Date();
          await m.query(
            `INSERT INTO documents (id, title, slug, content, version, state, owner_id, created_at, created_by, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, 1, 'active', $5, $6, $5, $6, $5)`,
            [id, request.title, slug, content, user.id, now],
          );
          await m.query(
            `INSERT INTO document_versions (document_id, version, title, content, state, patch, updated_at, updated_by)
             VALUES ($1, 1, $2, $3, 'active', $4, $5, $6)`,
            [id, request.title, content, makePatch('', content), now, user.id],
          );
          await m.query(
            `INSERT INTO document_members (document_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)`,
            [id, user.id, now],
          );
          return readVisible(m, user, id);
        });
        return toDocument(row);
      } catch (error) {
        if (!isUniqueViolation(error, 'documents_owner_slug_key')) throw error;
        // A concurrent create took the slug between our check and our insert.
        if (request.slug !== undefined) throw slugTaken(request.slug);
        if (attempt >= SLUG_ATTEMPTS) throw error;
      }
    }
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * The socket gateway's edit: a patch against `baseVersion`, merged when asked and stale. Edits
   * of a document that arrive while one of its writes is in progress here wait and are then
   * written together (writeEdits); each still gets its own version, ack and broadcast.
   */
  applyEdit(user: UserSummary, documentId: string, edit: EditRequest): Promise<WriteResult> {
    return this.editCommits.submit(documentId, { user, edit });
  }

  async setState(
    user: UserSummary,
    id: string,
    precondition: WritePrecondition | null,
    state: DocumentState,
  ): Promise<ConcordDocument> {
    const outcome = await this.casLoop(id, false, (m, lock) =>
      this.attemptWrite(m, user, id, lock, async (current) => {
        this.checkPrecondition(current, await this.sharpenDatePrecondition(m, current, precondition));
        if (state === 'archived' && current.state === 'archived') {
          throw new ProblemError(
            'already_archived',
            409,
            'This document is already archived.',
            stateExtras(current),
          );
        }
        if (state === 'active' && current.state === 'active') {
          throw new ProblemError('not_archived', 409, 'This document is not archived.', stateExtras(current));
        }
        return { title: current.title, content: current.content, state };
      }),
    );
    this.emitAfterCommit(user, outcome, {});
    return toDocument(outcome.after);
  }

  /** Hard delete: the document, its history, members and drafts are gone (ON DELETE CASCADE). Owner only. */
  async remove(user: UserSummary, id: string, precondition: WritePrecondition | null): Promise<void> {
    const deleted = await withTransaction(this.dataSource, async (m) => {
      const current = await readVisible(m, user, id, true);
      if (current.role !== 'owner') throw ProblemError.forbidden('Only the owner may delete this document.');
      this.checkPrecondition(current, await this.sharpenDatePrecondition(m, current, precondition));
      const count = await execute(m, `DELETE FROM documents WHERE id = $1 AND version = $2 RETURNING id`, [
        id,
        current.version,
      ]);
      return count === 1 ? current : null;
    });
    if (deleted === null) {
      // A write landed between our read and the delete: answer as for any stale precondition.
      const { document } = await this.getForUser(user, id);
      throw staleVersion(
        document,
        precondition?.kind === 'if-match' ? versionNamedBy(precondition.tags, id) : null,
      );
    }
    this.announceDeleted(deleted);
  }

  /** The documents an account owned went with it: their rooms are told, as for DELETE. */
  @OnEvent(ACCOUNT_DELETED)
  onAccountDeleted(event: AccountDeletedEvent): void {
    for (const document of event.documents) this.announceDeleted(document);
  }

  private announceDeleted({ id, title, version }: DeletedDocument): void {
    this.recent.forget(id);
    this.publish(DOCUMENT_STATE, new DocumentStateEvent(id, 'deleted', title, version, etagFor(id, version)));
  }

  // ---- the write path ----------------------------------------------------------------------

  /** PUT (`{kind: 'put', content, title?}`) and PATCH (`{kind: 'patch', patch?, title?}`). */
  async write(
    user: UserSummary,
    id: string,
    precondition: WritePrecondition | null,
    change: ContentChange,
    options: WriteOptions,
  ): Promise<WriteResult> {
    if (change.title !== undefined) this.checkText('title', change.title);
    if (change.kind === 'put') this.checkContent(change.content);
    let baseVersion: number | null = null;
    try {
      const outcome = await this.casLoop(id, options.merge === true, (m, lock) =>
        this.attemptWrite(m, user, id, lock, async (current) => {
          const sharpened = await this.sharpenDatePrecondition(m, current, precondition);
          const { stale, yourVersion } = this.evaluate(current, sharpened);
          baseVersion = yourVersion ?? current.version;
          const merging =
            options.merge === true && stale && yourVersion !== null && yourVersion < current.version;
          const contents = await this.history.versionContents(m, id, merging ? [yourVersion] : []);
          const merged =
            merging && change.title !== undefined
              ? { ...change, title: await this.mergeTitle(m, current, yourVersion, change.title) }
              : change;
          return this.decideChange(current, sharpened, merged, options.merge === true, contents);
        }),
      );
      this.emitAfterCommit(user, outcome, options);
      return writeResult(outcome);
    } catch (error) {
      if (isConflict(error)) await this.keepDraft(user, id, baseVersion, change);
      throw error;
    }
  }

  /**
   * The group commit of socket edits (GroupCommit runs one group of a document at a time): the
   * edits are decided one after another against the state the previous one left — exactly as if
   * written one by one, each with its own version, precondition, merge, conflict or error — and
   * all accepted versions are written by one compare-and-swap statement. Under load a document
   * then costs one or two round trips per group instead of a locked transaction per edit, each
   * holding a pooled connection while it waits.
   */
  private async writeEdits(id: string, queued: QueuedEdit[]): Promise<Array<Answer<WriteResult>>> {
    const { steps, answers } = await this.casLoop(id, true, (m, lock) =>
      this.attemptEdits(m, id, queued, lock),
    );
    for (const step of steps) this.emitAfterCommit(step.user, step, step.options);
    // Nothing typed is lost: each edit answered 409 is kept as a draft, as on the HTTP path, and
    // answered once it is (a draft that cannot be kept answers that error instead). The
    // document's next group does not wait for the drafts, nor does any other edit's answer.
    return answers.map((answer, index) => {
      if (answer.status === 'fulfilled' || !isConflict(answer.reason)) return answer;
      const { user, edit } = queued[index];
      return this.keepDraft(user, id, edit.baseVersion, editChange(edit)).then(
        (): PromiseSettledResult<WriteResult> => answer,
        (error: unknown): PromiseSettledResult<WriteResult> => ({ status: 'rejected', reason: error }),
      );
    });
  }

  /**
   * One attempt at a group. Unlocked, it first decides on what this process last committed of
   * the document (RecentVersions) without reading it: the swap then also checks that every sender
   * may write, so it lands only if that state is still current and nobody lost their role. A
   * miss there is a race (the retry reads under the row lock). When nothing is remembered, a
   * stale merge's base is not, or no edit would be accepted (errors must come from a state read,
   * not a remembered one), the document, the senders' roles and the merge bases are read in one
   * query.
   */
  private async attemptEdits(
    m: EntityManager,
    id: string,
    queued: QueuedEdit[],
    lock: boolean,
  ): Promise<EditGroup | 'raced'> {
    const recent = lock ? undefined : this.recent.get(id);
    // A merge base that is no longer remembered is read, never answered 409 for lack of it.
    if (
      recent &&
      queued.every(({ edit }) => !needsMergeBase(edit, recent.head) || recent.contents.has(edit.baseVersion))
    ) {
      const contents = new Map(recent.contents);
      const group = this.decideEdits(recent.head, queued, undefined, contents);
      if (group.steps.length > 0) {
        const writers = [...new Set(queued.map(({ user }) => user.id))];
        if (await this.writeIfUnchanged(m, recent.head, group.steps, writers)) return group;
        this.recent.forget(id);
        return 'raced';
      }
    }
    const mergeBases = queued.flatMap(({ edit }) => (edit.merge === true ? [edit.baseVersion] : []));
    const { current, roles, contents } = await this.readForEditors(m, id, queued, mergeBases, lock);
    const group = this.decideEdits(current, queued, roles, contents);
    if (group.steps.length > 0 && !(await this.writeIfUnchanged(m, current, group.steps))) return 'raced';
    return group;
  }

  /**
   * Decides a group's edits in order, each against the state the previous accepted one left.
   * `roles` undefined: the senders' roles are left to the compare-and-swap to check.
   */
  private decideEdits(
    current: DocumentRow,
    queued: QueuedEdit[],
    roles: Partial<Record<string, MemberRole>> | undefined,
    contents: Map<number, string>,
  ): EditGroup {
    // Once an earlier edit of the group is accepted, `current` itself is a stale edit's base.
    contents.set(current.version, current.content);
    const now = writeTime(current);
    const group: EditGroup = { steps: [], answers: [] };
    let head = current;
    for (const { user, edit } of queued) {
      try {
        if (roles) checkWriter(roles[user.id] ?? null);
        const decided = this.decideChange(
          head,
          baseVersionOf(edit),
          editChange(edit),
          edit.merge === true,
          contents,
        );
        const step = this.nextVersion(user, head, decided, now);
        group.steps.push({ ...step, user, options: editOptions(edit) });
        group.answers.push({ status: 'fulfilled', value: writeResult(step) });
        // A later edit of the group may name this version as its base.
        contents.set(step.after.version, step.after.content);
        head = step.after;
      } catch (error) {
        group.answers.push({ status: 'rejected', reason: error });
      }
    }
    return group;
  }

  /**
   * Checks the precondition against `current` and computes the next state: the change itself when
   * fresh, or its three-way merge with `current` when stale and `merge` is asked (the base from
   * `contents`, the stored versions by number). Throws the write's 409/422 otherwise.
   */
  private decideChange(
    current: DocumentRow,
    precondition: WritePrecondition | null,
    change: ContentChange,
    merge: boolean,
    contents: ReadonlyMap<number, string>,
  ): Decided {
    const stale = this.evaluate(current, precondition);
    if (stale.stale && !(merge && stale.yourVersion !== null)) {
      throw staleVersion(toDocument(current), stale.yourVersion);
    }
    if (current.state === 'archived') throw documentArchived(toDocument(current));
    const base = stale.stale ? contents.get(stale.yourVersion ?? 0) : current.content;
    if (base === undefined) throw staleVersion(toDocument(current), stale.yourVersion);
    const mine = change.kind === 'put' ? change.content : applyPatchOrThrow(base, change.patch);
    const title = change.title ?? current.title;
    if (!stale.stale) return { title, content: mine, state: current.state };
    const mergeStarted = performance.now();
    const { result, editsOfMine } = mergeForAuthor(base, mine, current.content);
    this.metrics.observeMerge(performance.now() - mergeStarted, result.clean);
    if (!result.clean) {
      const merge: ServerMerge = { text: result.text, conflicts: result.conflicts };
      throw staleVersion(toDocument(current), stale.yourVersion, merge);
    }
    return {
      title,
      content: result.text,
      state: current.state,
      ackPatch: patchOfEdits(mine, editsOfMine),
    };
  }

  /** Nothing typed is lost: the body of every write answered 409 is kept for its author. */
  private keepDraft(
    user: UserSummary,
    id: string,
    baseVersion: number | null,
    change: ContentChange,
  ): Promise<void> {
    return this.drafts.keep(user, id, {
      baseVersion,
      title: change.title ?? null,
      content: change.kind === 'put' ? change.content : null,
      patch: change.kind === 'patch' ? (change.patch ?? null) : null,
    });
  }

  /**
   * Runs `attempt` until its compare-and-swap lands (writeIfUnchanged). The first attempt reads
   * without a transaction or lock: an uncontended save is then two statements, and a stale one
   * (409) never queues behind the writers of a hot document. A miss (someone else committed in
   * between) runs the whole decision again on the fresh row, now inside a transaction that
   * row-locks it first, so concurrent writers of one document queue instead of retrying in a
   * storm under merge: true; a stale precondition then answers 409. A merging write that finds
   * another write of the document already in progress here starts locked: its unlocked attempt
   * would most likely miss, after a wasted read and merge. A write that does not merge retries
   * its first miss unlocked too: its precondition named the version it missed, so the fresh read
   * almost always answers 409 at once — behind the row lock, every loser of a hot document
   * waited for each other loser's transaction to learn just that. Only a precondition that still
   * holds (`*`, a date, a list naming the new version too) goes on to lock.
   */
  private async casLoop<T>(
    id: string,
    merging: boolean,
    attempt: (manager: EntityManager, lock: boolean) => Promise<T | 'raced'>,
  ): Promise<T> {
    const inProgress = this.writing.get(id) ?? 0;
    this.writing.set(id, inProgress + 1);
    try {
      for (let round = 1; round <= MAX_CAS_ATTEMPTS; round++) {
        const unlocked = merging ? round === 1 && inProgress === 0 : round <= 2;
        const outcome = unlocked
          ? await attempt(this.dataSource.manager, false)
          : await withTransaction(this.dataSource, (m) => attempt(m, true));
        if (outcome !== 'raced') return outcome;
      }
    } finally {
      const left = (this.writing.get(id) ?? 1) - 1;
      if (left === 0) this.writing.delete(id);
      else this.writing.set(id, left);
    }
    throw ProblemError.serviceUnavailable(
      'This document is being written too often right now; retry shortly.',
      1,
    );
  }

  /** One write of one user: read the row `user` may change, decide, compare-and-swap. */
  private async attemptWrite(
    m: EntityManager,
    user: UserSummary,
    id: string,
    lock: boolean,
    decide: (current: DocumentRow) => Promise<Decided>,
  ): Promise<VersionStep | 'raced'> {
    const current = await readVisible(m, user, id, lock);
    checkWriter(current.role);
    const step = this.nextVersion(user, current, await decide(current), writeTime(current));
    return (await this.writeIfUnchanged(m, current, [step])) ? step : 'raced';
  }

  /**
   * The version after `before` that `decided` makes. The row is built from what will be written
   * (timestamptz(3) keeps `now` exactly): re-reading it would cost a round trip.
   */
  private nextVersion(user: UserSummary, before: DocumentRow, decided: Decided, now: Date): VersionStep {
    this.checkContent(decided.content);
    const after: DocumentRow = {
      ...before,
      title: decided.title,
      content: decided.content,
      state: decided.state,
      version: before.version + 1,
      updated_at: now,
      updated_by_id: user.id,
      updated_by_username: user.username,
      updated_by_display_name: user.displayName,
    };
    const patch = makePatch(before.content, decided.content);
    return { before, after, patch, ackPatch: decided.ackPatch };
  }

  /**
   * One statement, so atomic without a transaction of its own: the compare-and-swap
   * `UPDATE … WHERE id = $1 AND version = $2` to the last step's state and a history row for
   * every step (the last from the updated row, the earlier ones from arrays; the text only on
   * keyframes), written only when the update matched. False when it did not: another writer
   * committed since `current`, or one of `writers` (when given: users whose right to write was
   * not read first) is no owner or editor.
   */
  private async writeIfUnchanged(
    m: EntityManager,
    current: DocumentRow,
    steps: VersionStep[],
    writers: string[] = [],
  ): Promise<boolean> {
    const { after: last, patch: lastPatch } = steps[steps.length - 1];
    const earlier = steps.slice(0, -1);
    const updated = await queryPrepared<{ id: string }>(m, WRITE_IF_UNCHANGED, [
      current.id,
      current.version,
      last.title,
      last.content,
      last.state,
      last.version,
      last.updated_at,
      last.updated_by_id,
      lastPatch,
      isKeyframe(last.version),
      earlier.map((step) => step.after.version),
      earlier.map((step) => step.after.title),
      earlier.map((step) => (isKeyframe(step.after.version) ? step.after.content : null)),
      earlier.map((step) => step.after.state),
      earlier.map((step) => step.patch),
      earlier.map((step) => step.after.updated_by_id),
      writers,
    ]);
    return updated.length === 1;
  }

  /** Runs once a version is committed: remembered for the next socket edits, then announced. */
  private emitAfterCommit(user: UserSummary, outcome: VersionStep, options: WriteOptions): void {
    const { before, after, patch } = outcome;
    this.recent.remember(after);
    const etag = etagFor(after.id, after.version);
    const renamed = before.title !== after.title;
    this.publish(
      DOCUMENT_CHANGED,
      new DocumentChangedEvent(
        after.id,
        before.version,
        after.version,
        etag,
        patch,
        user,
        after.updated_at.toISOString(),
        renamed ? after.title : undefined,
        options.clientEditId,
        options.originSocketId,
      ),
    );
    if (renamed || before.state !== after.state) {
      this.publish(
        DOCUMENT_STATE,
        new DocumentStateEvent(after.id, after.state, after.title, after.version, etag),
      );
    }
  }

  /** Domain events go out after commit (see publishAfterCommit). */
  private publish(name: string, event: DocumentChangedEvent | DocumentStateEvent): void {
    publishAfterCommit(this.events, this.logger, name, event);
  }

  // ---- preconditions -----------------------------------------------------------------------

  /** Is the write stale, and which version did the client name (null when none of ours)? */
  private evaluate(
    current: DocumentRow,
    precondition: WritePrecondition | null,
  ): { stale: boolean; yourVersion: number | null } {
    const etag = etagFor(current.id, current.version);
    if (precondition === null) throw preconditionRequired(toDocument(current));
    switch (precondition.kind) {
      case 'if-match':
        if (ifMatchMatches(precondition.tags, etag)) return { stale: false, yourVersion: current.version };
        return { stale: true, yourVersion: versionNamedBy(precondition.tags, current.id) };
      case 'if-unmodified-since':
        return modifiedSince(current.updated_at, precondition.seconds)
          ? { stale: true, yourVersion: null }
          : { stale: false, yourVersion: current.version };
      case 'base-version':
        return precondition.version === current.version
          ? { stale: false, yourVersion: current.version }
          : { stale: true, yourVersion: precondition.version };
    }
  }

  private checkPrecondition(current: DocumentRow, precondition: WritePrecondition | null): void {
    const { stale, yourVersion } = this.evaluate(current, precondition);
    if (stale) throw staleVersion(toDocument(current), yourVersion);
  }

  /**
   * An HTTP-date has whole seconds, so it names a version only if the document did not change
   * twice within that second (RFC 9110 §8.8.2.2). When `If-Unmodified-Since` is the current
   * version's second and the version before was written in that second too, the client may have
   * seen either: the date then counts as older than the current version (409), never as a
   * license to overwrite a change it cannot have seen.
   */
  private async sharpenDatePrecondition(
    m: EntityManager,
    current: DocumentRow,
    precondition: WritePrecondition | null,
  ): Promise<WritePrecondition | null> {
    const second = Math.floor(current.updated_at.getTime() / 1000);
    if (precondition?.kind !== 'if-unmodified-since' || precondition.seconds !== second) return precondition;
    const previous = await this.history.storedVersion(m, current.id, current.version - 1);
    const changedTwice =
      previous !== undefined && Math.floor(previous.updated_at.getTime() / 1000) === second;
    return changedTwice ? { kind: 'if-unmodified-since', seconds: second - 1 } : precondition;
  }

  /**
   * The title of a stale `Prefer: merge` write, merged three-way like its content: a title the
   * writer left as it was at its base keeps the current one (a concurrent rename is not undone);
   * a title the writer changed is theirs to set, as the client SDK sends only a changed title.
   */
  private async mergeTitle(
    m: EntityManager,
    current: DocumentRow,
    base: number,
    mine: string,
  ): Promise<string> {
    const stored = await this.history.storedVersion(m, current.id, base);
    return stored !== undefined && stored.title === mine ? current.title : mine;
  }

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * In one query: the document, the roles of the group's users (absent: not a member; the row's
   * own `role` is the first user's) and the stored contents of the merge bases it names that are
   * older than the current version.
   */
  private async readForEditors(
    m: EntityManager,
    id: string,
    queued: QueuedEdit[],
    mergeBases: number[],
    lock: boolean,
  ): Promise<{
    current: DocumentRow;
    roles: Partial<Record<string, MemberRole>>;
    contents: Map<number, string>;
  }> {
    checkDocumentId(id);
    if (lock) await lockRow(m, id);
    const [row] = await queryPrepared<
      DocumentRow & {
        roles: Partial<Record<string, MemberRole>>;
        bases: Array<[number, string | null, string | null]>;
      }
    >(m, EDITORS_DOCUMENT, [id, [...new Set(queued.map(({ user }) => user.id))], [...new Set(mergeBases)]]);
    if (row === undefined) throw documentNotFound();
    const { roles, bases, ...current } = row;
    const stored = bases.map(([version, content, patch]) => ({ version, content, patch }));
    return { current, roles, contents: replayVersions(stored, mergeBases) };
  }

  private async freeSlug(m: EntityManager, ownerId: string, base: string): Promise<string> {
    const rows = await select<{ slug: string }>(
      m,
      `SELECT slug FROM documents WHERE owner_id = $1 AND (slug = $2 OR slug LIKE $3)`,
      [ownerId, base, `${escapeLike(base)}-%`],
    );
    return firstFreeSlug(
      base,
      rows.map((row) => row.slug),
    );
  }

  private checkContent(content: string): void {
    if (utf8Bytes(content) > this.app.maxDocumentBytes)
      throw ProblemError.payloadTooLarge(this.app.maxDocumentBytes);
    this.checkText('content', content);
  }

  private checkText(field: string, text: string): void {
    const problem = textProblem(text);
    if (problem !== null) throw invalidText(field, problem);
  }
}

/** A viewer reads only; a non-member does not see the document at all (404, no existence leak). */
function checkWriter(role: MemberRole | null): void {
  if (role === null) throw documentNotFound();
  if (role === 'viewer') throw ProblemError.forbidden('Viewers cannot change this document.');
}

/** A new version's time: now, but never before the previous version's. */
function writeTime(current: DocumentRow): Date {
  return new Date(Math.max(Date.now(), current.updated_at.getTime()));
}

function writeResult(step: VersionStep): WriteResult {
  const result: WriteResult = { document: toDocument(step.after), merged: step.ackPatch !== undefined };
  if (step.ackPatch !== undefined) result.patch = step.ackPatch;
  return result;
}

/** A 409: the write was refused for a newer version (its body is then kept as a draft). */
function isConflict(error: unknown): boolean {
  return error instanceof ProblemError && error.status === 409;
}

/** Whether deciding `edit` against `head` needs the content of its base version (a stale merge). */
function needsMergeBase(edit: EditRequest, head: DocumentRow): boolean {
  return edit.merge === true && edit.baseVersion < head.version;
}

function baseVersionOf(edit: EditRequest): WritePrecondition {
  return { kind: 'base-version', version: edit.baseVersion };
}

function editChange(edit: EditRequest): ContentChange {
  return { kind: 'patch', patch: edit.patch };
}

function editOptions(edit: EditRequest): WriteOptions {
  return { merge: edit.merge, clientEditId: edit.clientEditId, originSocketId: edit.originSocketId };
}

function applyPatchOrThrow(base: string, patch: string | undefined): string {
  if (patch === undefined) return base;
  const result = applyPatchStrict(base, patch);
  if (result.ok) {
    const problem = textProblem(result.text);
    if (problem !== null) throw invalidText('patch result', problem);
    return result.text;
  }
  // One code for both failures (the contract names only patch_does_not_apply); `reason` tells them apart.
  const detail =
    result.reason === 'malformed'
      ? `The patch is not diff-match-patch patch text: ${result.detail}`
      : `The patch does not apply exactly to the version If-Match names: ${result.detail}`;
  throw new ProblemError('patch_does_not_apply', 422, detail, { extensions: { reason: result.reason } });
}

function stateExtras(current: DocumentRow): {
  extensions: Record<string, unknown>;
  headers: Record<string, string>;
} {
  const document = toDocument(current);
  return { extensions: { current: document }, headers: { ETag: document.etag } };
}

function slugTaken(slug: string): ProblemError {
  return new ProblemError(
    'slug_taken',
    409,
    `The slug "${slug}" is already used by another of your documents.`,
    {
      extensions: { slug },
    },
  );
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** Keyset cursor: opaque base64url of [updatedAt ISO, id] of the last item of a page. */
export function encodeCursor(updatedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt.toISOString(), id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    !Number.isNaN(Date.parse(parsed[0])) &&
    typeof parsed[1] === 'string' &&
    isUuid(parsed[1])
  ) {
    return { updatedAt: parsed[0], id: parsed[1] };
  }
  throw new ProblemError('validation_failed', 422, 'The cursor is not one this server gave out.', {
    extensions: { errors: [{ path: 'cursor', message: 'unknown cursor' }] },
  });
}
