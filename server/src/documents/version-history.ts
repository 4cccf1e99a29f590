import { applyPatchStrict } from '@concord/shared';

/**
 * How versions are stored in document_versions: a keyframe keeps its full text, every other
 * version only its patch from the version before. A busy document writes a version per
 * keystroke batch, and storing each one whole made history grow with size × edits (a 45 KB
 * document typed into for an hour: gigabytes) and made every write carry the whole text twice.
 * A version's text is its nearest keyframe at or below it with the patches after it replayed:
 * at most KEYFRAME_INTERVAL − 1 of them.
 */
export const KEYFRAME_INTERVAL = 32;

/** Versions are PostgreSQL integers: a larger number names no version (and would not bind). */
export const MAX_VERSION = 2_147_483_647;

/** Version 1 and every KEYFRAME_INTERVAL-th version store their full text. */
export function isKeyframe(version: number): boolean {
  return version === 1 || version % KEYFRAME_INTERVAL === 0;
}

/** A document_versions row as replay needs it (content null: not a keyframe). */
export interface StoredVersion {
  version: number;
  content: string | null;
  patch: string | null;
}

/**
 * The SQL of the rows that rebuild versions `from`…`to` of document `documentId` (SQL
 * expressions): from the keyframe at or below `from` up to `to`, in no particular order (the
 * caller orders them for replayVersions).
 */
export function replayRowsSql(documentId: string, from: string, to: string): string {
  return `SELECT v.version, v.content, v.patch FROM document_versions v
           WHERE v.document_id = ${documentId} AND v.version <= ${to}
             AND v.version >= (SELECT max(k.version) FROM document_versions k
                                WHERE k.document_id = ${documentId} AND k.version <= ${from}
                                  AND k.content IS NOT NULL)`;
}

/** A stored history that does not replay: never answered with a guessed text. */
export class BrokenHistoryError extends Error {
  constructor(detail: string) {
    super(`document history is inconsistent: ${detail}`);
    this.name = 'BrokenHistoryError';
  }
}

/**
 * The texts of the `wanted` versions, replayed from `rows` (oldest first, starting at a
 * keyframe, as replayRowsQuery selects them). Versions the rows do not reach are absent. Throws
 * BrokenHistoryError when a version between a keyframe and a wanted one is missing or its patch
 * does not apply exactly.
 */
export function replayVersions(
  rows: readonly StoredVersion[],
  wanted: Iterable<number>,
): Map<number, string> {
  const want = new Set(wanted);
  const texts = new Map<number, string>();
  let text: string | undefined;
  let previous: number | undefined;
  for (const row of rows) {
    if (texts.size === want.size) break;
    if (row.content !== null) {
      text = row.content;
    } else if (text === undefined || previous !== row.version - 1) {
      throw new BrokenHistoryError(
        `version ${row.version} has no text and no version ${row.version - 1} before it`,
      );
    } else if (row.patch === null) {
      throw new BrokenHistoryError(`version ${row.version} has neither text nor patch`);
    } else {
      const applied = applyPatchStrict(text, row.patch);
      if (!applied.ok) throw new BrokenHistoryError(`the patch of version ${row.version}: ${applied.detail}`);
      text = applied.text;
    }
    previous = row.version;
    if (want.has(row.version)) texts.set(row.version, text);
  }
  return texts;
}
