import { z } from 'zod';
import { MAX_VERSION } from '../version-history';

/** `GET /api/documents/:id/changes?since=v`: a whole number ≥ 0 (0 = from the very first version). */
export const ChangesQuerySchema = z.strictObject({
  since: z
    .string()
    .regex(/^\d{1,10}$/, { message: 'a whole number ≥ 0' })
    .transform(Number),
});
export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;

/** Path `:v` of /versions/:v; anything else is "no such version" (404), like an unknown id. */
export function parseVersionParam(value: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(value) && Number(value) <= MAX_VERSION ? Number(value) : null;
}
