import {
  AuthResponseSchema,
  DocumentListSchema,
  DocumentSchema,
  MemberSchema,
  ProblemSchema,
  VersionListItemSchema,
  type AuthResponse,
  type ConcordDocument,
  type DocumentList,
  type Member,
  type Problem,
  type UserSummary,
  type VersionListItem,
  UserSummarySchema,
} from '@concord/shared';
import { z } from 'zod';

/**
 * The web client's calls to the HTTP API that the shared SDK does not cover (auth, the list,
 * members, history, archive). Saving a document's content goes through the live channel, or
 * through the shared SDK where a REST write with a precondition is needed.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? `The server answered ${status}`);
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

type TokenSource = () => string | null;

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(
    private readonly token: TokenSource,
    private readonly baseUrl = '',
    /** Called on every 401 so the app can send the user back to sign-in. */
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  async request<T>(method: string, path: string, schema: z.ZodType<T> | null, options: RequestOptions = {}): Promise<{ data: T; etag: string | null }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(0, null);
    }
    if (!response.ok) {
      const parsed = ProblemSchema.safeParse(await response.json().catch(() => null));
      if (response.status === 401 && token) this.onUnauthorized();
      throw new ApiError(response.status, parsed.success ? parsed.data : null);
    }
    const etag = response.headers.get('etag');
    if (schema === null || response.status === 204) return { data: undefined as T, etag };
    return { data: schema.parse(await response.json()), etag };
  }

  register(username: string, password: string, displayName?: string): Promise<AuthResponse> {
    const body = displayName ? { username, password, displayName } : { username, password };
    return this.request('POST', '/api/auth/register', AuthResponseSchema, { body }).then((r) => r.data);
  }

  login(username: string, password: string): Promise<AuthResponse> {
    return this.request('POST', '/api/auth/login', AuthResponseSchema, { body: { username, password } }).then((r) => r.data);
  }

  me(): Promise<UserSummary> {
    return this.request('GET', '/api/auth/me', z.union([z.object({ user: UserSummarySchema }).transform((b) => b.user), UserSummarySchema])).then(
      (r) => r.data,
    );
  }

  listDocuments(query: { q?: string; state?: 'active' | 'archived' | 'all'; cursor?: string; limit?: number }): Promise<DocumentList> {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (query.state) params.set('state', query.state);
    if (query.cursor) params.set('cursor', query.cursor);
    params.set('limit', String(query.limit ?? 20));
    return this.request('GET', `/api/documents?${params.toString()}`, DocumentListSchema).then((r) => r.data);
  }

  createDocument(title: string, content = ''): Promise<ConcordDocument> {
    return this.request('POST', '/api/documents', DocumentSchema, {
      body: { title, content },
      headers: { 'idempotency-key': crypto.randomUUID() },
    }).then((r) => r.data);
  }

  getDocument(id: string): Promise<ConcordDocument> {
    return this.request('GET', `/api/documents/${encodeURIComponent(id)}`, DocumentSchema).then((r) => r.data);
  }

  /** A whole-content write. `ifMatch` is an ETag, or `*` for a deliberate overwrite. */
  putDocument(id: string, content: string, ifMatch: string): Promise<ConcordDocument> {
    return this.request('PUT', `/api/documents/${encodeURIComponent(id)}`, DocumentSchema, {
      body: { content },
      headers: { 'if-match': ifMatch },
    }).then((r) => r.data);
  }

  setArchived(id: string, archived: boolean, etag: string): Promise<void> {
    const action = archived ? 'archive' : 'restore';
    return this.request('POST', `/api/documents/${encodeURIComponent(id)}/${action}`, null, { headers: { 'if-match': etag } }).then(() => undefined);
  }

  listVersions(id: string): Promise<VersionListItem[]> {
    const schema = z.union([z.array(VersionListItemSchema), z.object({ items: z.array(VersionListItemSchema) }).transform((b) => b.items)]);
    return this.request('GET', `/api/documents/${encodeURIComponent(id)}/versions`, schema).then((r) => r.data);
  }

  getVersion(id: string, version: number): Promise<ConcordDocument> {
    return this.request('GET', `/api/documents/${encodeURIComponent(id)}/versions/${version}`, DocumentSchema).then((r) => r.data);
  }

  listMembers(id: string): Promise<Member[]> {
    const schema = z.union([z.array(MemberSchema), z.object({ items: z.array(MemberSchema) }).transform((b) => b.items)]);
    return this.request('GET', `/api/documents/${encodeURIComponent(id)}/members`, schema).then((r) => r.data);
  }

  addMember(id: string, username: string, role: 'editor' | 'viewer'): Promise<Member | null> {
    return this.request('POST', `/api/documents/${encodeURIComponent(id)}/members`, MemberSchema.nullable().catch(null), {
      body: { username, role },
    }).then((r) => r.data);
  }
}

/** A sentence for a person from whatever went wrong. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return 'Cannot reach the server. Check your connection and try again.';
    return error.problem?.detail ?? `The server answered ${error.status}.`;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}
