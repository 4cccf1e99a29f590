import { z } from 'zod';
import { threeWayMerge } from '../merge';
import {
  type AddMemberRequest,
  AuthResponseSchema,
  type AuthResponse,
  ChangeSchema,
  type Change,
  type ConcordDocument,
  type CreateDocumentRequest,
  DocumentListSchema,
  type DocumentList,
  DocumentSchema,
  DraftSchema,
  type Draft,
  type LoginRequest,
  MemberSchema,
  type Member,
  type MergeResult,
  type PatchDocumentRequest,
  type Problem,
  ProblemSchema,
  type RegisterRequest,
  StaleVersionProblemSchema,
  UserSummarySchema,
  type UserSummary,
  VersionListItemSchema,
  type VersionListItem,
} from '../protocol';
import { ConflictError, apiErrorFor } from './concord-errors';

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ConcordClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:3000` (the `/api` prefix is added here). */
  baseUrl: string;
  /** Bearer token; `login` and `register` set it too. */
  token?: string;
  /** Injected for tests and odd runtimes; defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Attempts of a save, the first included (default 5). */
  maxAttempts?: number;
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs·2ⁿ)] ("full jitter"). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests: the jitter source and the wait. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SaveOptions {
  /** The version the caller's edit started from: its content is the merge base, its ETag goes in If-Match. */
  base: Pick<ConcordDocument, 'content' | 'etag' | 'title'>;
}

export type SaveResult =
  | { status: 'saved'; document: ConcordDocument; attempts: number; merged: boolean }
  | { status: 'conflict'; merge: MergeResult; current: ConcordDocument; attempts: number };

export interface WriteOptions {
  /** The ETag the write is conditional on (`*` overwrites deliberately). */
  ifMatch: string;
  /** Ask the server to merge a stale write (`Prefer: merge`). */
  merge?: boolean;
}

const DEFAULTS = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 2000 };

/**
 * The Concord HTTP API for Node and browsers (fetch only). Every error answer throws a
 * typed `ConcordApiError` subclass carrying the problem body.
 */
export class ConcordClient {
  private token: string | undefined;
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ConcordClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  setToken(token: string | undefined): void {
    this.token = token;
  }

  // --- auth -------------------------------------------------------------------------------

  async register(body: RegisterRequest): Promise<AuthResponse> {
    const auth = AuthResponseSchema.parse((await this.request('POST', '/auth/register', { body })).body);
    this.token = auth.token;
    return auth;
  }

  async login(body: LoginRequest): Promise<AuthResponse> {
    const auth = AuthResponseSchema.parse((await this.request('POST', '/auth/login', { body })).body);
    this.token = auth.token;
    return auth;
  }

  async me(): Promise<UserSummary> {
    return UserSummarySchema.parse((await this.request('GET', '/auth/me')).body);
  }

  // --- documents --------------------------------------------------------------------------

  async listDocuments(
    query: { q?: string; limit?: number; cursor?: string; state?: 'active' | 'archived' | 'all' } = {},
  ): Promise<DocumentList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return DocumentListSchema.parse((await this.request('GET', `/documents${qs ? `?${qs}` : ''}`)).body);
  }

  async getDocument(id: string): Promise<ConcordDocument> {
    return this.document(await this.request('GET', docPath(id)));
  }

  /** The document as it was at `version` (a merge base). */
  async getVersion(id: string, version: number): Promise<ConcordDocument> {
    return this.document(await this.request('GET', `${docPath(id)}/versions/${version}`));
  }

  async createDocument(
    body: CreateDocumentRequest,
    options: { idempotencyKey?: string } = {},
  ): Promise<ConcordDocument> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    return this.document(await this.request('POST', '/documents', { body, headers }));
  }

  /** One conditional PUT, no retry: a stale ETag throws ConflictError (its problem holds `current`). */
  async putDocument(
    id: string,
    body: { content: string; title?: string },
    options: WriteOptions,
  ): Promise<ConcordDocument> {
    return this.document(await this.request('PUT', docPath(id), { body, headers: writeHeaders(options) }));
  }

  async patchDocument(
    id: string,
    body: PatchDocumentRequest,
    options: WriteOptions,
  ): Promise<ConcordDocument> {
    return this.document(await this.request('PATCH', docPath(id), { body, headers: writeHeaders(options) }));
  }

  async deleteDocument(id: string, options: WriteOptions): Promise<void> {
    await this.request('DELETE', docPath(id), { headers: writeHeaders(options) });
  }

  async archiveDocument(id: string, options: WriteOptions): Promise<ConcordDocument> {
    return this.document(
      await this.request('POST', `${docPath(id)}/archive`, { headers: writeHeaders(options) }),
    );
  }

  async restoreDocument(id: string, options: WriteOptions): Promise<ConcordDocument> {
    return this.document(
      await this.request('POST', `${docPath(id)}/restore`, { headers: writeHeaders(options) }),
    );
  }

  async listVersions(id: string): Promise<VersionListItem[]> {
    return z.array(VersionListItemSchema).parse((await this.request('GET', `${docPath(id)}/versions`)).body);
  }

  async changesSince(id: string, since: number): Promise<Change[]> {
    return z
      .array(ChangeSchema)
      .parse((await this.request('GET', `${docPath(id)}/changes?since=${since}`)).body);
  }

  async listDrafts(id: string): Promise<Draft[]> {
    return z.array(DraftSchema).parse((await this.request('GET', `${docPath(id)}/drafts`)).body);
  }

  async listMembers(id: string): Promise<Member[]> {
    return z.array(MemberSchema).parse((await this.request('GET', `${docPath(id)}/members`)).body);
  }

  async addMember(id: string, body: AddMemberRequest): Promise<Member> {
    return MemberSchema.parse((await this.request('POST', `${docPath(id)}/members`, { body })).body);
  }

  /**
   * Save `content` (and a changed `title`) over the version the edit started from.
   *
   * Sends If-Match with the base's ETag. On a stale-version 409 it takes `current` from the
   * body, merges (base, mine, current) locally, and while the merge is clean retries with the
   * merged text over `current` — after a jittered exponential backoff, at most `maxAttempts`
   * times in all. An unclean merge returns `{status: 'conflict'}` with the merge (markers and
   * the conflict list) and the current document, for a human to resolve; nothing is written.
   * Any other error throws; running out of attempts throws the last ConflictError.
   */
  async saveDocument(
    id: string,
    edit: { content: string; title?: string },
    options: SaveOptions,
  ): Promise<SaveResult> {
    let base = options.base;
    let content = edit.content;
    // Only send a title the user changed, so a retry does not revert someone else's rename.
    let title = edit.title !== undefined && edit.title !== base.title ? edit.title : undefined;
    let merged = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const body = title === undefined ? { content } : { content, title };
        const document = await this.putDocument(id, body, { ifMatch: base.etag });
        return { status: 'saved', document, attempts: attempt, merged };
      } catch (error) {
        const stale =
          error instanceof ConflictError ? StaleVersionProblemSchema.safeParse(error.problem) : null;
        if (stale === null || !stale.success) throw error;
        const current = stale.data.current;
        const merge = threeWayMerge(base.content, content, current.content);
        if (!merge.clean) return { status: 'conflict', merge, current, attempts: attempt };
        if (attempt >= this.maxAttempts) throw error;
        content = merge.text;
        if (title !== undefined && title === current.title) title = undefined;
        base = current;
        merged = true;
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /** Full-jitter exponential backoff before retry `attempt` (1-based). */
  private backoff(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * cap);
  }

  // --- transport --------------------------------------------------------------------------

  private document(response: { body: unknown; etag: string | null }): ConcordDocument {
    // The ETag header is authoritative; fill it in when a body lacks the field.
    const body = response.body;
    if (response.etag !== null && typeof body === 'object' && body !== null && !('etag' in body)) {
      return DocumentSchema.parse({ ...body, etag: response.etag });
    }
    return DocumentSchema.parse(body);
  }

  private async request(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown; etag: string | null }> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      ...options.headers,
    };
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetchImpl(`${this.baseUrl}/api${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    if (!response.ok) throw apiErrorFor(response.status, toProblem(response.status, body, path));
    return { status: response.status, body, etag: response.headers.get('etag') };
  }
}

function docPath(id: string): string {
  return `/documents/${encodeURIComponent(id)}`;
}

function writeHeaders(options: WriteOptions): Record<string, string> {
  const headers: Record<string, string> = { 'If-Match': options.ifMatch };
  if (options.merge === true) headers.Prefer = 'merge';
  return headers;
}

function toProblem(status: number, body: unknown, path: string): Problem {
  const parsed = ProblemSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  // Not problem+json (a proxy, a crash page): keep what we know, with the body as detail.
  const code =
    status === 401
      ? 'unauthorized'
      : status === 404
        ? 'not_found'
        : status >= 500
          ? 'internal_error'
          : 'bad_request';
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    detail: typeof body === 'string' ? body.slice(0, 500) : `HTTP ${status}`,
    instance: path,
    code,
  };
}
