import { z } from 'zod';

/**
 * DELETE, archive and restore take no body: none, or an empty JSON object. Any field is unknown
 * (422), so a client that thinks it sets something (`{"title": …}`) learns that it does not.
 */
export const NoBodySchema = z.strictObject({}).optional();
