import { z } from 'zod';
import { threeWayMerge } from '../merge';
import {
  type AddMemberRequest,
  AuthResponseSchema,
  type AuthResponse,
  type ChangePasswordRequest,
  ChangeSchema,
  type Change,
  type ConcordDocument,
  type CreateDocumentRequest,
  DocumentListSchema,
  type DocumentList,
  DocumentSchema,
  DraftSchema,
  type Draft,
  type ErrorCode,
  type ListDraftsQuery,
  type ListVersionsQuery,
  type LoginRequest,
  MemberSchema,
  type Member,
  type MergeResult,
  type PatchDocumentRequest,
  type Problem,
  ProblemSchema,
  type RegisterRequest,
  type UpdateMemberRequest,
  type UpdateProfileRequest,
  StaleVersionProblemSchema,
  UserSummarySchema,
  type UserSummary,
  VersionListItemSchema,
  type VersionListItem,
} from '../protocol';
import {
  ConcordApiError,
  ConcordNetworkError,
  ConcordResponseError,
  ConflictError,
  apiErrorFor,
} from './concord-errors';

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
  /**
   * A save answered 429 or 503 is tried again after the answer's Retry-After (or the backoff
   * when it has none), within `maxAttempts`; a longer Retry-After than this throws at once
   * (default 10 000).
   */
  maxRetryAfterMs?: number;
  /** A request with no answer after this long throws ConcordNetworkError (default 30 000). */
  timeoutMs?: number;
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

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  maxRetryAfterMs: 10_000,
  timeoutMs: 30_000,
};

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
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ConcordClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  setToken(token: string | undefined): void {
    this.token = token;
  }

  // --- auth -------------------------------------------------------------------------------

  async register(body: RegisterRequest): Promise<AuthResponse> {
    const auth = this.parse(AuthResponseSchema, await this.request('POST', '/auth/register', { body }));
    this.token = auth.token;
    return auth;
  }

  async login(body: LoginRequest): Promise<AuthResponse> {
    const auth = this.parse(AuthResponseSchema, await this.request('POST', '/auth/login', { body }));
    this.token = auth.token;
    return auth;
  }

  async me(): Promise<UserSummary> {
    return this.parse(UserSummarySchema, await this.request('GET', '/auth/me'));
  }

  /** A new display name (the username is fixed). */
  async updateProfile(body: UpdateProfileRequest): Promise<UserSummary> {
    return this.parse(UserSummarySchema, await this.request('PATCH', '/auth/me', { body }));
  }

  /** A new password: every earlier token stops working; this client goes on with the new one. */
  async changePassword(body: ChangePasswordRequest): Promise<AuthResponse> {
    const auth = this.parse(AuthResponseSchema, await this.request('PUT', '/auth/password', { body }));
    this.token = auth.token;
    return auth;
  }

  /** Signs out everywhere: every token issued so far stops working, this client's too. */
  async revokeSessions(): Promise<void> {
    await this.request('DELETE', '/auth/sessions');
    this.token = undefined;
  }

  // --- documents --------------------------------------------------------------------------

  async listDocuments(
    query: { q?: string; limit?: number; cursor?: string; state?: 'active' | 'archived' | 'all' } = {},
  ): Promise<DocumentList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return this.parse(DocumentListSchema, await this.request('GET', `/documents${qs ? `?${qs}` : ''}`));
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

  /** Newest first: every version, or a page (`limit`, and `before` the oldest of the last page). */
  async listVersions(id: string, page: ListVersionsQuery = {}): Promise<VersionListItem[]> {
    return this.parse(
      z.array(VersionListItemSchema),
      await this.request('GET', `${docPath(id)}/versions${pageQuery(page)}`),
    );
  }

  async changesSince(id: string, since: number): Promise<Change[]> {
    return this.parse(
      z.array(ChangeSchema),
      await this.request('GET', `${docPath(id)}/changes?since=${since}`),
    );
  }

  /** Newest first: every own draft, or a page (`limit`, and `before` the id of the last draft of the last page). */
  async listDrafts(id: string, page: ListDraftsQuery = {}): Promise<Draft[]> {
    return this.parse(
      z.array(DraftSchema),
      await this.request('GET', `${docPath(id)}/drafts${pageQuery(page)}`),
    );
  }

  async listMembers(id: string): Promise<Member[]> {
    return this.parse(z.array(MemberSchema), await this.request('GET', `${docPath(id)}/members`));
  }

  async addMember(id: string, body: AddMemberRequest): Promise<Member> {
    return this.parse(MemberSchema, await this.request('POST', `${docPath(id)}/members`, { body }));
  }

  /** The owner changes a member's role. */
  async updateMember(id: string, userId: string, body: UpdateMemberRequest): Promise<Member> {
    return this.parse(
      MemberSchema,
      await this.request('PATCH', `${docPath(id)}/members/${encodeURIComponent(userId)}`, { body }),
    );
  }

  /** The owner removes a member, or a member leaves (their own id). */
  async removeMember(id: string, userId: string): Promise<void> {
    await this.request('DELETE', `${docPath(id)}/members/${encodeURIComponent(userId)}`);
  }

  /**
   * Save `content` (and a changed `title`) over the version the edit started from.
   *
   * Sends If-Match with the base's ETag. On a stale-version 409 it takes `current` from the
   * body, merges (base, mine, current) locally, and while the merge is clean retries with the
   * merged text over `current` — after a jittered exponential backoff, at most `maxAttempts`
   * times in all. An unclean merge returns `{status: 'conflict'}` with the merge (markers and
   * the conflict list) and the current document, for a human to resolve; nothing is written.
   * When `current` already holds every change of the edit, that is the result, with no write.
   * A 429 or 503 (not processed) is tried again after its Retry-After, and a connection that
   * failed without an answer after the backoff, within the same attempts. The latter is safe
   * although the lost PUT may have landed: the retry carries the same If-Match, so it is then
   * answered 409 with a `current` that already holds the edit, which ends the save with no
   * second write. A timeout is not retried (the server is there but slow: more load would not
   * help). Any other error throws; running out of attempts throws the last error.
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
        const later = this.retryLater(error, attempt);
        if (later !== undefined) {
          await this.sleep(later);
          continue;
        }
        const stale =
          error instanceof ConflictError ? StaleVersionProblemSchema.safeParse(error.problem) : null;
        if (stale === null || !stale.success) throw error;
        const current = stale.data.current;
        const merge = threeWayMerge(base.content, content, current.content);
        if (!merge.clean) return { status: 'conflict', merge, current, attempts: attempt };
        if (title !== undefined && title === current.title) title = undefined;
        // The server already holds every change of ours (the same edit made elsewhere, or our own
        // earlier write that landed although its answer was lost): writing it again would only
        // add an empty version.
        if (merge.text === current.content && title === undefined) {
          return { status: 'saved', document: current, attempts: attempt, merged: true };
        }
        if (attempt >= this.maxAttempts) throw error;
        content = merge.text;
        base = current;
        merged = true;
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /**
   * How long to wait before trying again a write the server refused for now, or that never got
   * an answer, if it may be tried again.
   */
  private retryLater(error: unknown, attempt: number): number | undefined {
    if (attempt >= this.maxAttempts) return undefined;
    if (error instanceof ConcordNetworkError) return error.timedOut ? undefined : this.backoff(attempt);
    if (!(error instanceof ConcordApiError) || (error.status !== 429 && error.status !== 503))
      return undefined;
    const wait = error.retryAfterMs ?? this.backoff(attempt);
    return wait <= this.maxRetryAfterMs ? wait : undefined;
  }

  /** Full-jitter exponential backoff before retry `attempt` (1-based). */
  private backoff(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * cap);
  }

  // --- transport --------------------------------------------------------------------------

  private document(response: Answer): ConcordDocument {
    // The ETag header is authoritative; fill it in when a body lacks the field.
    const body = response.body;
    if (response.etag !== null && typeof body === 'object' && body !== null && !('etag' in body)) {
      return this.parse(DocumentSchema, { ...response, body: { ...body, etag: response.etag } });
    }
    return this.parse(DocumentSchema, response);
  }

  /** A success body as the API documents it; anything else is most likely not a Concord server. */
  private parse<T>(schema: z.ZodType<T>, response: Answer): T {
    const parsed = schema.safeParse(response.body);
    if (parsed.success) return parsed.data;
    const what =
      typeof response.body === 'string'
        ? `${response.contentType ?? 'a body'} instead of JSON`
        : `JSON the Concord API does not send (${z.prettifyError(parsed.error).split('\n', 2).join(' ')})`;
    throw new ConcordResponseError(
      response.status,
      `${response.method} ${response.url} answered ${response.status} with ${what}; is ${this.baseUrl || 'the page origin'} a Concord server?`,
    );
  }

  private async request(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      ...options.headers,
    };
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const url = `${this.baseUrl}/api${path}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(method, url, error, this.timeoutMs);
    }
    let body: unknown = undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    if (!response.ok) {
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw apiErrorFor(response.status, toProblem(response.status, body, path), retryAfter);
    }
    return {
      method,
      url,
      status: response.status,
      body,
      etag: response.headers.get('etag'),
      contentType: response.headers.get('content-type'),
    };
  }
}

interface Answer {
  method: string;
  url: string;
  status: number;
  body: unknown;
  etag: string | null;
  contentType: string | null;
}

/** `?limit=…&before=…` of a list page, or nothing. */
function pageQuery(page: { limit?: number; before?: number | string }): string {
  const query = new URLSearchParams();
  if (page.limit !== undefined) query.set('limit', String(page.limit));
  if (page.before !== undefined) query.set('before', String(page.before));
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** fetch's rejection, which says only "fetch failed", as a sentence naming the URL and the cause. */
function networkError(method: string, url: string, error: unknown, timeoutMs: number): ConcordNetworkError {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new ConcordNetworkError(`${method} ${url}: no answer within ${timeoutMs / 1000} s`, {
      cause: error,
      timedOut: true,
    });
  }
  // Node puts the reason (ECONNREFUSED, ENOTFOUND, a bad URL) in `cause`.
  let reason = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error)
    reason = 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return new ConcordNetworkError(`cannot reach ${method} ${url}: ${reason}`, { cause: error });
}

/** Retry-After (RFC 9110 §10.2.3) in milliseconds: delay-seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
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
  // Not Concord's problem+json (a proxy, a crash page, a code newer than this SDK): keep what
  // we know, with the body's own detail, or the body, as detail.
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const detail =
    typeof fields.detail === 'string'
      ? fields.detail
      : typeof body === 'string' && body.length > 0
        ? body.slice(0, 500)
        : `HTTP ${status}`;
  return {
    type: 'about:blank',
    title: typeof fields.title === 'string' ? fields.title : `HTTP ${status}`,
    status,
    detail,
    instance: path,
    code: FALLBACK_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request'),
  };
}

/** The code of a status when the body does not say: what Concord itself sends with it. */
const FALLBACK_CODES: Partial<Record<number, ErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  413: 'payload_too_large',
  429: 'rate_limited',
  503: 'service_unavailable',
};
