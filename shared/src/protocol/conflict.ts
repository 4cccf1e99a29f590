import { z } from 'zod';
import { DocumentSchema } from './documents';
import { ProblemSchema } from './problem';
import { ConflictSchema } from './merge';

/** The server's merge attempt carried by an unclean `Prefer: merge` / `merge: true` 409. */
export const ServerMergeSchema = z.object({
  text: z.string(),
  conflicts: z.array(ConflictSchema),
});
export type ServerMerge = z.infer<typeof ServerMergeSchema>;

/** The body of a stale-write 409: the latest document rides along, so one round trip re-fetches. */
export const StaleVersionProblemSchema = ProblemSchema.extend({
  code: z.literal('stale_version'),
  yourVersion: z.number().int().nullable(),
  current: DocumentSchema,
  merge: ServerMergeSchema.optional(),
});
export type StaleVersionProblem = z.infer<typeof StaleVersionProblemSchema>;

/** The body of a 428: the ETag to send next time. */
export const PreconditionRequiredProblemSchema = ProblemSchema.extend({
  code: z.literal('precondition_required'),
  etag: z.string(),
});
export type PreconditionRequiredProblem = z.infer<typeof PreconditionRequiredProblemSchema>;
