import { SLUG_PATTERN } from '@concord/shared';

const MAX_SLUG_LENGTH = 120;
/** Room left for a "-NNNN" suffix when a slug is taken. */
const SUFFIX_ROOM = 8;

/**
 * Turns a title into a slug of SLUG_PATTERN: accents folded (é → e), everything that is not a
 * lowercase ASCII letter or digit becomes a single `-`. A title with nothing usable (emoji,
 * CJK only) gives `document`, so every document still gets a readable, valid slug.
 */
export function slugify(title: string): string {
  const folded = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = folded.slice(0, MAX_SLUG_LENGTH - SUFFIX_ROOM).replace(/-+$/g, '');
  return cut.length > 0 ? cut : 'document';
}

/**
 * The first free slug among `base`, `base-2`, `base-3`, … given the slugs already taken that
 * start with `base`.
 */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

export function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(slug);
}
