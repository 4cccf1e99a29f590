import { z } from 'zod';

/** One region both sides changed differently. `start`/`end` locate its marker block in `text`. */
export const ConflictSchema = z.object({
  base: z.string(),
  mine: z.string(),
  theirs: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

export const MergeResultSchema = z.object({
  clean: z.boolean(),
  text: z.string(),
  conflicts: z.array(ConflictSchema),
});
export type MergeResult = z.infer<typeof MergeResultSchema>;
