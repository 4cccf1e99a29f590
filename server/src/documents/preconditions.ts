/**
 * Parsing of the conditional request headers (RFC 9110 §13.1). Pure functions, so the rules
 * that decide 400 / 409 / 428 are unit-tested apart from HTTP.
 */

/** One entity-tag of a header list; `tag` keeps its quotes, as `etagFor` produces them. */
export interface EntityTag {
  weak: boolean;
  tag: string;
}

export type EntityTagList = { kind: 'any' } | { kind: 'list'; tags: EntityTag[] };

export class MalformedPreconditionError extends Error {
  constructor(
    readonly header: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'MalformedPreconditionError';
  }
}

// etagc = %x21 / %x23-7E / obs-text (%x80-FF); we accept any non-ASCII code point as obs-text.
function isEtagChar(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || code >= 0x80;
}

/**
 * Parses `If-Match` / `If-None-Match`: `*` or a comma-separated list of (possibly weak)
 * quoted entity-tags. Empty list elements are allowed (RFC 9110 §5.6.1); an unquoted or
 * unterminated tag throws MalformedPreconditionError.
 */
export function parseEntityTagList(header: string, value: string): EntityTagList {
  const trimmed = value.trim();
  if (trimmed === '*') return { kind: 'any' };
  const tags: EntityTag[] = [];
  let i = 0;
  const n = trimmed.length;
  const skipSpace = (): void => {
    while (i < n && (trimmed[i] === ' ' || trimmed[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    if (trimmed[i] === ',') {
      i++;
      continue;
    }
    let weak = false;
    if (trimmed.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (trimmed[i] !== '"') {
      throw new MalformedPreconditionError(header, `${header} must hold quoted entity-tags or "*"`);
    }
    const start = i;
    i++;
    while (i < n && trimmed[i] !== '"') {
      if (!isEtagChar(trimmed[i])) {
        throw new MalformedPreconditionError(
          header,
          `${header} holds a character not allowed in an entity-tag`,
        );
      }
      i++;
    }
    if (i >= n) throw new MalformedPreconditionError(header, `${header} has an unterminated entity-tag`);
    i++;
    tags.push({ weak, tag: trimmed.slice(start, i) });
    skipSpace();
    if (i < n && trimmed[i] !== ',') {
      throw new MalformedPreconditionError(header, `${header} entity-tags must be separated by commas`);
    }
  }
  if (tags.length === 0) throw new MalformedPreconditionError(header, `${header} is empty`);
  return { kind: 'list', tags };
}

/** If-Match uses the strong comparison: a weak tag never matches (RFC 9110 §13.1.1). */
export function ifMatchMatches(list: EntityTagList, currentEtag: string): boolean {
  if (list.kind === 'any') return true;
  return list.tags.some((t) => !t.weak && t.tag === currentEtag);
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
export function ifNoneMatchMatches(list: EntityTagList, currentEtag: string): boolean {
  if (list.kind === 'any') return true;
  return list.tags.some((t) => t.tag === currentEtag);
}

/**
 * The version of document `id` that a strong tag in the list names (the first one that is
 * ours), or null. Used for `yourVersion` and as the merge base of `Prefer: merge`.
 */
export function versionNamedBy(list: EntityTagList, id: string): number | null {
  if (list.kind === 'any') return null;
  const prefix = `"${id}.v`;
  for (const t of list.tags) {
    if (t.weak || !t.tag.startsWith(prefix) || !t.tag.endsWith('"')) continue;
    const digits = t.tag.slice(prefix.length, -1);
    if (/^[1-9][0-9]{0,9}$/.test(digits)) {
      const version = Number(digits);
      if (Number.isSafeInteger(version)) return version;
    }
  }
  return null;
}

const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850 = /^[A-Z][a-z]+day, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses an HTTP-date (IMF-fixdate, or one of the obsolete RFC 850 and asctime forms, which
 * RFC 9110 §5.6.7 requires a recipient to accept) into epoch seconds. RFC 9110 says to ignore
 * an invalid date; we answer 400 instead, because ignoring it would silently turn a guarded
 * write into a 428 the client cannot explain.
 */
export function parseHttpDate(header: string, value: string): number {
  const trimmed = value.trim();
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(trimmed) || RFC_850.test(trimmed)) ms = Date.parse(trimmed);
  // asctime names no zone; HTTP-dates are always GMT (Date.parse would read local time).
  else if (ASCTIME.test(trimmed)) ms = Date.parse(`${trimmed} GMT`);
  if (Number.isNaN(ms)) {
    throw new MalformedPreconditionError(
      header,
      `${header} must be an HTTP-date such as "Sun, 06 Nov 1994 08:49:37 GMT"`,
    );
  }
  return Math.floor(ms / 1000);
}

/** HTTP-dates carry whole seconds, so a document is "modified since" only in a later second. */
export function modifiedSince(updatedAt: Date, sinceSeconds: number): boolean {
  return Math.floor(updatedAt.getTime() / 1000) > sinceSeconds;
}
