import { z } from 'zod';
import { UserSummarySchema } from './users';

export const DOCUMENT_STATES = ['active', 'archived'] as const;
export type DocumentState = (typeof DOCUMENT_STATES)[number];

export const MEMBER_ROLES = ['owner', 'editor', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const Title = z.string().trim().min(1).max(200);
const Slug = z.string().min(1).max(120).regex(SLUG_PATTERN, { message: 'lowercase words joined by -' });

export const DocumentSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  slug: z.string(),
  content: z.string(),
  version: z.number().int().min(1),
  state: z.enum(DOCUMENT_STATES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  updatedBy: UserSummarySchema,
  /** The strong ETag of this version, as the `ETag` header carries it (quotes included). */
  etag: z.string(),
});
export type ConcordDocument = z.infer<typeof DocumentSchema>;

export const DocumentListItemSchema = DocumentSchema.omit({ content: true }).extend({
  role: z.enum(MEMBER_ROLES),
});
export type DocumentListItem = z.infer<typeof DocumentListItemSchema>;

export const DocumentListSchema = z.object({
  items: z.array(DocumentListItemSchema),
  nextCursor: z.string().nullable(),
});
export type DocumentList = z.infer<typeof DocumentListSchema>;

/** A query parameter given twice arrives as an array: say so rather than "expected string". */
const GIVEN_ONCE = {
  error: (issue: { input?: unknown }) => (Array.isArray(issue.input) ? 'given more than once' : undefined),
};

/**
 * A whole number in a query string, as decimal digits (`1e2`, `0x10` and `+3` are refused, not
 * guessed at), given once.
 */
function queryInt(min: number, max: number) {
  return z
    .string(GIVEN_ONCE)
    .regex(/^\d{1,10}$/, { message: 'must be a whole number in decimal digits' })
    .transform(Number)
    .pipe(z.number().min(min).max(max));
}

export const ListDocumentsQuerySchema = z.strictObject({
  q: z.string().max(200).optional(),
  limit: queryInt(1, 100).default(20),
  cursor: z.string().max(200).optional(),
  state: z.enum([...DOCUMENT_STATES, 'all']).default('active'),
});
export type ListDocumentsQuery = z.infer<typeof ListDocumentsQuerySchema>;

export const CreateDocumentRequestSchema = z.strictObject({
  title: Title,
  content: z.string().default(''),
  slug: Slug.optional(),
});
export type CreateDocumentRequest = z.input<typeof CreateDocumentRequestSchema>;

export const PutDocumentRequestSchema = z.strictObject({
  title: Title.optional(),
  content: z.string(),
});
export type PutDocumentRequest = z.infer<typeof PutDocumentRequestSchema>;

export const PatchDocumentRequestSchema = z
  .strictObject({
    patch: z.string().optional(),
    title: Title.optional(),
  })
  .refine((body) => body.patch !== undefined || body.title !== undefined, {
    message: 'send a patch, a title, or both',
  });
export type PatchDocumentRequest = z.infer<typeof PatchDocumentRequestSchema>;

export const VersionListItemSchema = z.object({
  version: z.number().int(),
  updatedAt: z.iso.datetime(),
  updatedBy: UserSummarySchema,
});
export type VersionListItem = z.infer<typeof VersionListItemSchema>;

/**
 * `GET …/versions?limit=&before=`: newest first; without `limit`, every version. `before` pages
 * back: the versions older than it. A `Link: <…>; rel="next"` header names the next page.
 */
export const ListVersionsQuerySchema = z.strictObject({
  limit: queryInt(1, 1000).optional(),
  before: queryInt(1, 2_147_483_647).optional(),
});
export type ListVersionsQuery = z.infer<typeof ListVersionsQuerySchema>;

export const ChangeSchema = z.object({
  baseVersion: z.number().int(),
  version: z.number().int(),
  /** diff-match-patch patch text turning `baseVersion`'s content into `version`'s. */
  patch: z.string(),
  title: z.string().optional(),
  author: UserSummarySchema,
  at: z.iso.datetime(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const DraftSchema = z.object({
  id: z.uuid(),
  documentId: z.uuid(),
  baseVersion: z.number().int().nullable(),
  title: z.string().nullable(),
  content: z.string().nullable(),
  patch: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Draft = z.infer<typeof DraftSchema>;

/**
 * `GET …/drafts?limit=&before=`: newest first; without `limit`, every draft. `before` (a draft's
 * id, the last of the page before) pages back. A `Link: <…>; rel="next"` header names the next page.
 */
export const ListDraftsQuerySchema = z.strictObject({
  limit: queryInt(1, 1000).optional(),
  before: z.uuid(GIVEN_ONCE).optional(),
});
export type ListDraftsQuery = z.infer<typeof ListDraftsQuerySchema>;

export const AddMemberRequestSchema = z.strictObject({
  username: z.string().trim().toLowerCase().min(1).max(64),
  role: z.enum(['editor', 'viewer']),
});
export type AddMemberRequest = z.infer<typeof AddMemberRequestSchema>;

/** The owner's change of a member's role; the owner's own role is fixed. */
export const UpdateMemberRequestSchema = z.strictObject({
  role: z.enum(['editor', 'viewer']),
});
export type UpdateMemberRequest = z.infer<typeof UpdateMemberRequestSchema>;

export const MemberSchema = z.object({
  user: UserSummarySchema,
  role: z.enum(MEMBER_ROLES),
});
export type Member = z.infer<typeof MemberSchema>;
