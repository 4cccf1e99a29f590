import { registerAs } from '@nestjs/config';
import { z } from 'zod';
import { type Env, intFromEnv, parseEnv } from '../config/env';

const DocumentsConfigSchema = z
  .object({
    /**
     * How many versions back `/changes` and the socket catch-up serve patches; a client further
     * behind gets 410 history_pruned and fetches the whole document. Every version stays
     * readable (version-history.ts).
     */
    HISTORY_LIMIT: intFromEnv(1, 10_000_000).default(1000),
    /** Drafts (bodies of writes answered 409) are kept at least this many days (CONTRACT: ≥ 7). */
    DRAFT_RETENTION_DAYS: intFromEnv(7, 3650).default(7),
  })
  .transform((raw) => ({
    historyLimit: raw.HISTORY_LIMIT,
    draftRetentionDays: raw.DRAFT_RETENTION_DAYS,
  }));

export type DocumentsConfig = z.infer<typeof DocumentsConfigSchema>;

export function loadDocumentsConfig(env: Env): DocumentsConfig {
  return parseEnv('documents', DocumentsConfigSchema, env, ['HISTORY_LIMIT', 'DRAFT_RETENTION_DAYS']);
}

/** Inject with `@Inject(documentsConfig.KEY) config: DocumentsConfig`. */
export const documentsConfig = registerAs('documents', (): DocumentsConfig =>
  loadDocumentsConfig(process.env),
);
