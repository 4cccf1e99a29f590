/**
 * What Concord accepts as document text. PostgreSQL `text` cannot hold NUL, and a lone UTF-16
 * surrogate cannot be encoded as UTF-8 (Node would silently turn it into U+FFFD), so both are
 * rejected up front (422) rather than stored altered or failing in the database (5xx).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate (not Unicode text)';
  return null;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
