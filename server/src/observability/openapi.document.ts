import {
  AddMemberRequestSchema,
  AuthResponseSchema,
  ChangePasswordRequestSchema,
  ChangeSchema,
  CreateDocumentRequestSchema,
  DocumentListSchema,
  DocumentSchema,
  DraftSchema,
  LoginRequestSchema,
  MemberSchema,
  PatchDocumentRequestSchema,
  PreconditionRequiredProblemSchema,
  ProblemSchema,
  PutDocumentRequestSchema,
  RegisterRequestSchema,
  StaleVersionProblemSchema,
  UpdateMemberRequestSchema,
  UpdateProfileRequestSchema,
  UserSummarySchema,
  VersionListItemSchema,
} from '@concord/shared';
import { z, type ZodType } from 'zod';

/**
 * The OpenAPI 3.1 description of CONTRACT §1–2, built from the very zod schemas the server
 * validates requests with (`@concord/shared` protocol), converted by zod 4's own
 * `z.toJSONSchema` (OpenAPI 3.1 schemas are JSON Schema 2020-12). The route table below is
 * the one hand-written part; test/e2e/observability.e2e-spec.ts checks it against the routes
 * the app really serves, so it cannot drift silently.
 */

type JsonSchema = Record<string, unknown>;

/** Named components: every schema is emitted once and referenced by `$ref`. */
const COMPONENTS: Record<string, ZodType> = {
  Document: DocumentSchema,
  DocumentList: DocumentListSchema,
  CreateDocumentRequest: CreateDocumentRequestSchema,
  PutDocumentRequest: PutDocumentRequestSchema,
  PatchDocumentRequest: PatchDocumentRequestSchema,
  VersionListItem: VersionListItemSchema,
  Change: ChangeSchema,
  Draft: DraftSchema,
  AddMemberRequest: AddMemberRequestSchema,
  UpdateMemberRequest: UpdateMemberRequestSchema,
  Member: MemberSchema,
  RegisterRequest: RegisterRequestSchema,
  LoginRequest: LoginRequestSchema,
  ChangePasswordRequest: ChangePasswordRequestSchema,
  UpdateProfileRequest: UpdateProfileRequestSchema,
  AuthResponse: AuthResponseSchema,
  UserSummary: UserSummarySchema,
  Problem: ProblemSchema,
  StaleVersionProblem: StaleVersionProblemSchema,
  PreconditionRequiredProblem: PreconditionRequiredProblemSchema,
};
type ComponentName = keyof typeof COMPONENTS;

function toSchema(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  // `unrepresentable: 'any'` keeps refinements (e.g. PATCH's "patch or title") from throwing.
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const ref = (name: ComponentName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): Record<string, unknown> => ({ 'application/json': { schema } });

const ETAG_HEADER = {
  ETag: { description: 'Strong entity tag of the returned version.', schema: { type: 'string' } },
};

function problem(description: string, schema: JsonSchema = ref('Problem')): Record<string, unknown> {
  return { description, content: { 'application/problem+json': { schema } } };
}

const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
};

function ok(
  description: string,
  schema: JsonSchema,
  headers: Record<string, unknown> = {},
): Record<string, unknown> {
  return { description, headers, content: json(schema) };
}

const ID_PARAMETER = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const MEMBER_PARAMETER = {
  name: 'userId',
  in: 'path',
  required: true,
  description: "The member's user id.",
  schema: { type: 'string', format: 'uuid' },
};
const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag the write is based on (or `*`). Without it and If-Unmodified-Since: 428.',
  schema: { type: 'string' },
};
const IF_UNMODIFIED_SINCE = {
  name: 'If-Unmodified-Since',
  in: 'header',
  required: false,
  schema: { type: 'string' },
};
const PREFER = {
  name: 'Prefer',
  in: 'header',
  required: false,
  description: '`merge`: a stale write is merged by the server (200 + Preference-Applied: merge when clean).',
  schema: { type: 'string', enum: ['merge'] },
};
const PRECONDITION_PARAMETERS = [ID_PARAMETER, IF_MATCH, IF_UNMODIFIED_SINCE];

/** What every route needing a signed-in user can answer. */
const UNAUTHORIZED = { '401': problem('No or bad bearer token.') };

/** What every route naming a document can answer. */
const NOT_FOUND = { '404': problem('Unknown or malformed id, or not a member (no existence leak).') };

/** What every route that reads or writes the database can answer (server/src/common/problem.renderer.ts). */
const UNAVAILABLE = {
  '503': {
    ...problem('The database is unreachable: `service_unavailable`; retry after Retry-After.'),
    headers: RETRY_AFTER_HEADER,
  },
};

/** What rate-limited routes answer beyond their limit (auth per IP; document writes per user and per IP). */
const RATE_LIMITED = {
  '429': {
    ...problem('Too many requests: `rate_limited`; retry after Retry-After.'),
    headers: RETRY_AFTER_HEADER,
  },
};

/** The precondition failures of every conditional write (CONTRACT §1 "Preconditions"). */
const PRECONDITION_FAILURES = {
  '400': problem('Malformed If-Match / If-Unmodified-Since.'),
  '403': problem('Viewers cannot write.'),
  '409': problem(
    'Stale If-Match / If-Unmodified-Since (`stale_version`, with the current document; with `Prefer: merge` and an unclean merge also `merge`), or `document_archived` / `already_archived` / `not_archived` (with the current document).',
    { anyOf: [ref('StaleVersionProblem'), ref('Problem')] },
  ),
  '428': problem(
    'Neither If-Match nor If-Unmodified-Since was sent; the body names the current ETag.',
    ref('PreconditionRequiredProblem'),
  ),
};

/** DELETE, archive and restore take no body, or `{}`. */
/**
 * A list read newest first, whole or a page at a time: `limit`, `before` (the last item of the
 * page before, named by `cursor` in the Link header) and a `Link: rel="next"` while more remain.
 */
function pagedList(list: {
  items: string;
  schema: string;
  before: string;
  beforeSchema: Record<string, unknown>;
  cursor: string;
}): Record<string, unknown> {
  return {
    parameters: [
      ID_PARAMETER,
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'At most this many (1–1000).',
        schema: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      { name: 'before', in: 'query', required: false, description: list.before, schema: list.beforeSchema },
    ],
    responses: {
      '200': ok(
        `${list.items}.`,
        { type: 'array', items: ref(list.schema) },
        {
          Link: {
            description: `With \`limit\`, when older ${list.items.toLowerCase()} remain: \`<…?limit=N&before=${list.cursor}>; rel="next"\`.`,
            schema: { type: 'string' },
          },
        },
      ),
      '422': problem('Invalid query.'),
    },
  };
}

const NO_BODY_ALLOWED = problem('A body naming any field (these requests take none).');

/** What every request with a JSON body can be refused for (server/src/common/body-parser.ts). */
const BODY_FAILURES = {
  '400': problem(
    'Malformed JSON (`malformed_json`), or a body that cannot be decoded (corrupt Content-Encoding, bad chunking).',
  ),
  '413': problem('The body, or the document it would make, is larger than the limit: `payload_too_large`.'),
  '415': problem(
    'The body is not `application/json` (or not UTF-8, or in an unknown Content-Encoding): `unsupported_media_type`.',
  ),
};

interface OperationTraits {
  /** No bearer token needed. */
  isPublic?: boolean;
  /** Names a document (`{id}`): 404 for unknown ids and non-members. */
  document?: boolean;
  /** Rate-limited: 429. */
  limited?: boolean;
  /** Answers without the database (no 503). */
  offline?: boolean;
}

/** An operation with the failures its traits imply; `spec.responses` adds or overrides. */
function operation(
  summary: string,
  spec: Record<string, unknown>,
  traits: OperationTraits = {},
): Record<string, unknown> {
  const responses = {
    ...(traits.isPublic === true ? {} : UNAUTHORIZED),
    ...(traits.document === true ? NOT_FOUND : {}),
    ...(traits.limited === true ? RATE_LIMITED : {}),
    ...(traits.offline === true ? {} : UNAVAILABLE),
    ...(spec.requestBody === undefined ? {} : BODY_FAILURES),
    ...(spec.responses as Record<string, unknown>),
  };
  return { summary, ...spec, responses, ...(traits.isPublic === true ? { security: [] } : {}) };
}

/** A read of one document. */
const read = (summary: string, spec: Record<string, unknown>): Record<string, unknown> =>
  operation(summary, spec, { document: true });

/** A write to one document (rate-limited). */
const write = (summary: string, spec: Record<string, unknown>): Record<string, unknown> =>
  operation(summary, spec, { document: true, limited: true });

function body(name: ComponentName): Record<string, unknown> {
  return { required: true, content: json(ref(name)) };
}

function paths(): Record<string, Record<string, unknown>> {
  const documentOk = ok('The document.', ref('Document'), ETAG_HEADER);
  return {
    '/api/auth/register': {
      post: operation(
        'Create an account',
        {
          requestBody: body('RegisterRequest'),
          responses: {
            '201': ok('The new user and a token.', ref('AuthResponse')),
            '409': problem('`username_taken`.'),
            '422': problem('Invalid fields.'),
          },
        },
        { isPublic: true, limited: true },
      ),
    },
    '/api/auth/login': {
      post: operation(
        'Sign in',
        {
          requestBody: body('LoginRequest'),
          responses: {
            '200': ok('The user and a token.', ref('AuthResponse')),
            '401': problem('Wrong username or password.'),
            '422': problem('Invalid fields.'),
          },
        },
        { isPublic: true, limited: true },
      ),
    },
    '/api/auth/password': {
      put: operation(
        'Change the password: every earlier token stops working, the answer carries a new one',
        {
          requestBody: body('ChangePasswordRequest'),
          responses: {
            '200': ok('The user and a new token.', ref('AuthResponse')),
            '422': problem('Invalid fields, or `currentPassword` is wrong (`validation_failed`).'),
          },
        },
        { limited: true },
      ),
    },
    '/api/auth/sessions': {
      delete: operation('Sign out everywhere: every token issued so far, this one too, stops working', {
        responses: {
          '204': { description: 'Signed out; the account’s open sockets are closed.' },
          '422': NO_BODY_ALLOWED,
        },
      }),
    },
    '/api/auth/me': {
      get: operation('The signed-in user', { responses: { '200': ok('The user.', ref('UserSummary')) } }),
      patch: operation(
        'Change the display name (the username is fixed); open sockets and rooms see it at once',
        {
          requestBody: body('UpdateProfileRequest'),
          responses: {
            '200': ok('The user.', ref('UserSummary')),
            '422': problem(
              'Invalid fields (a display name with control or bidirectional formatting characters too).',
            ),
          },
        },
      ),
      delete: operation('Delete the signed-in account and the documents it owns (its tokens stop working)', {
        responses: {
          '204': { description: 'Deleted.' },
          '409': problem(
            '`account_in_use`: the account wrote versions of documents it does not own (history is never rewritten).',
          ),
          '422': NO_BODY_ALLOWED,
        },
      }),
    },
    '/api/health': {
      get: operation(
        'Liveness and database reachability',
        { responses: { '200': { description: 'Up.' }, '503': problem('Database unreachable.') } },
        { isPublic: true },
      ),
    },
    '/api/metrics': {
      get: operation(
        'Prometheus metrics',
        {
          responses: {
            '200': {
              description: 'Prometheus text exposition.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
        { isPublic: true, offline: true },
      ),
    },
    '/api/documents': {
      post: operation(
        'Create a document',
        {
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: body('CreateDocumentRequest'),
          responses: {
            '201': ok('Created.', ref('Document'), {
              ...ETAG_HEADER,
              Location: { schema: { type: 'string' } },
            }),
            '409': problem('`slug_taken`, or `idempotency_in_flight`.'),
            '422': problem('Invalid fields, or an Idempotency-Key reused with another body.'),
          },
        },
        { limited: true },
      ),
      get: operation('List documents (no content), newest first', {
        parameters: ['q', 'limit', 'cursor', 'state'].map((name) => ({
          name,
          in: 'query',
          required: false,
          schema: { type: 'string' },
        })),
        responses: {
          '200': ok('A page of documents.', ref('DocumentList')),
          '422': problem('Invalid query.'),
        },
      }),
    },
    '/api/documents/{id}': {
      get: read('Get a document', {
        parameters: [
          ID_PARAMETER,
          { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': documentOk,
          '304': { description: 'If-None-Match matched (a malformed one is ignored).', headers: ETAG_HEADER },
        },
      }),
      put: write('Replace title and/or content', {
        parameters: [...PRECONDITION_PARAMETERS, PREFER],
        requestBody: body('PutDocumentRequest'),
        responses: { '200': documentOk, ...PRECONDITION_FAILURES, '422': problem('Invalid fields.') },
      }),
      patch: write('Apply a diff-match-patch patch (made against the If-Match version) and/or rename', {
        parameters: [...PRECONDITION_PARAMETERS, PREFER],
        requestBody: body('PatchDocumentRequest'),
        responses: {
          '200': documentOk,
          ...PRECONDITION_FAILURES,
          '422': problem('`patch_does_not_apply`, or invalid fields.'),
        },
      }),
      delete: write('Delete a document', {
        parameters: PRECONDITION_PARAMETERS,
        responses: { '204': { description: 'Deleted.' }, ...PRECONDITION_FAILURES, '422': NO_BODY_ALLOWED },
      }),
    },
    '/api/documents/{id}/archive': {
      post: write('Archive', {
        parameters: PRECONDITION_PARAMETERS,
        responses: { '200': documentOk, ...PRECONDITION_FAILURES, '422': NO_BODY_ALLOWED },
      }),
    },
    '/api/documents/{id}/restore': {
      post: write('Restore from the archive', {
        parameters: PRECONDITION_PARAMETERS,
        responses: { '200': documentOk, ...PRECONDITION_FAILURES, '422': NO_BODY_ALLOWED },
      }),
    },
    '/api/documents/{id}/versions': {
      get: read(
        'Version list, newest first; every version unless `limit` is given',
        pagedList({
          items: 'Versions',
          schema: 'VersionListItem',
          before: 'Only versions older than this one (the next page).',
          beforeSchema: { type: 'integer', minimum: 1 },
          cursor: 'V',
        }),
      ),
    },
    '/api/documents/{id}/versions/{v}': {
      get: read('The document as it was at version v (the merge base)', {
        parameters: [
          ID_PARAMETER,
          { name: 'v', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        responses: { '200': documentOk },
      }),
    },
    '/api/documents/{id}/changes': {
      get: read('Changes after a version, oldest first', {
        parameters: [
          ID_PARAMETER,
          { name: 'since', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          '200': ok('Changes.', { type: 'array', items: ref('Change') }),
          '410': problem('`history_pruned`.'),
          '422': problem('Invalid query.'),
        },
      }),
    },
    '/api/documents/{id}/drafts': {
      get: read(
        'Own drafts kept from rejected (409) writes, newest first; every one unless `limit` is given',
        pagedList({
          items: 'Drafts',
          schema: 'Draft',
          before: 'Only drafts older than this one (the id of the last draft of the page before).',
          beforeSchema: { type: 'string', format: 'uuid' },
          cursor: 'ID',
        }),
      ),
    },
    '/api/documents/{id}/members': {
      get: read('Members', {
        parameters: [ID_PARAMETER],
        responses: { '200': ok('Members.', { type: 'array', items: ref('Member') }) },
      }),
      post: write('Add a member (owner only)', {
        parameters: [ID_PARAMETER],
        requestBody: body('AddMemberRequest'),
        responses: {
          '201': ok('The member.', ref('Member')),
          '403': problem('Only the owner adds members.'),
          '409': problem('`member_exists`.'),
          '422': problem('Invalid fields.'),
        },
      }),
    },
    '/api/documents/{id}/members/{userId}': {
      patch: write("Change a member's role (owner only)", {
        parameters: [ID_PARAMETER, MEMBER_PARAMETER],
        requestBody: body('UpdateMemberRequest'),
        responses: {
          '200': ok('The member.', ref('Member')),
          '403': problem('Only the owner changes roles.'),
          '404': problem('Unknown or malformed document id, not a member of it, or `userId` is no member.'),
          '409': problem("`owner_role_fixed`: the owner's role cannot change."),
          '422': problem('Invalid fields.'),
        },
      }),
      delete: write('Remove a member (owner), or leave the document (a member naming themselves)', {
        parameters: [ID_PARAMETER, MEMBER_PARAMETER],
        responses: {
          '204': {
            description: 'Removed; their open sockets leave the room and get `access` with `role: null`.',
          },
          '403': problem('Only the owner removes other members.'),
          '404': problem('Unknown or malformed document id, not a member of it, or `userId` is no member.'),
          '409': problem('`owner_role_fixed`: the owner cannot leave their own document.'),
          '422': NO_BODY_ALLOWED,
        },
      }),
    },
  };
}

let cached: Record<string, unknown> | undefined;

/** The document served at /api/openapi.json (built once; schemas do not change at run time). */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Concord',
      version,
      description:
        'Real-time collaborative documents with versioned, conflict-safe saves. Every error is application/problem+json (RFC 9457) with a stable `code` and the request id. The live channel (socket.io) is described in CONTRACT §3.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: Object.fromEntries(
        Object.entries(COMPONENTS).map(([name, schema]) => [
          name,
          toSchema(schema, name.endsWith('Request') ? 'input' : 'output'),
        ]),
      ),
    },
  };
  return cached;
}
