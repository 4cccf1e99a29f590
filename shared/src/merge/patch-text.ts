import type { Diff, DiffOp } from './myers';

/** One hunk of diff-match-patch patch text, coordinates as `patch_fromText` reads them. */
export interface PatchHunk {
  start1: number;
  start2: number;
  length1: number;
  length2: number;
  diffs: Diff[];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `encodeURI` as diff-match-patch's `patch_toText` uses it, except that a lone surrogate
 * (legal in a JS string, fatal to `encodeURI`) is written as its WTF-8 bytes instead of
 * throwing a URIError. Well-formed text encodes exactly as diff-match-patch does.
 */
export function encodePatchLine(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(LONE_SURROGATE)) {
    out += encodeURI(text.slice(last, match.index));
    const code = match[0].charCodeAt(0);
    out += `%${hex(0xe0 | (code >> 12))}%${hex(0x80 | ((code >> 6) & 0x3f))}%${hex(0x80 | (code & 0x3f))}`;
    last = match.index + 1;
  }
  out += encodeURI(text.slice(last));
  return out.replace(/%20/g, ' ');
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

function coords(start: number, length: number): string {
  if (length === 0) return `${start},0`;
  if (length === 1) return `${start + 1}`;
  return `${start + 1},${length}`;
}

export function hunksToText(hunks: PatchHunk[]): string {
  let out = '';
  for (const hunk of hunks) {
    out += `@@ -${coords(hunk.start1, hunk.length1)} +${coords(hunk.start2, hunk.length2)} @@\n`;
    for (const [op, text] of hunk.diffs)
      out += `${op === 1 ? '+' : op === -1 ? '-' : ' '}${encodePatchLine(text)}\n`;
  }
  return out;
}

export class PatchSyntaxError extends Error {}

const HEADER = /^@@ -(\d+),?(\d*) \+(\d+),?(\d*) @@$/;

function parseCoord(start: string, length: string): [number, number] {
  const s = Number(start);
  if (length === '') return [s - 1, 1];
  const l = Number(length);
  return l === 0 ? [s, 0] : [s - 1, l];
}

/** Parse patch text (diff-match-patch format). Throws PatchSyntaxError, nothing else. */
export function parsePatchText(text: string): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  if (text.length === 0) return hunks;
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line === '') {
      i++;
      continue;
    }
    const m = HEADER.exec(line);
    if (m === null) throw new PatchSyntaxError(`line ${i + 1}: expected a hunk header "@@ -a,b +c,d @@"`);
    const [start1, length1] = parseCoord(m[1], m[2]);
    const [start2, length2] = parseCoord(m[3], m[4]);
    if (start1 < 0 || start2 < 0 || !Number.isSafeInteger(length1) || !Number.isSafeInteger(length2)) {
      throw new PatchSyntaxError(`line ${i + 1}: bad hunk coordinates`);
    }
    const diffs: Diff[] = [];
    i++;
    while (i < lines.length) {
      const body = lines[i];
      if (body === '') {
        i++;
        continue;
      }
      const sign = body.charAt(0);
      if (sign === '@') break;
      const op: DiffOp | undefined = sign === '+' ? 1 : sign === '-' ? -1 : sign === ' ' ? 0 : undefined;
      if (op === undefined)
        throw new PatchSyntaxError(
          `line ${i + 1}: expected "+", "-", " " or "@@", got ${JSON.stringify(sign)}`,
        );
      diffs.push([op, decodePatchLine(body.slice(1), i + 1)]);
      i++;
    }
    let source = 0;
    let target = 0;
    for (const [op, t] of diffs) {
      if (op !== 1) source += t.length;
      if (op !== -1) target += t.length;
    }
    if (source !== length1 || target !== length2) {
      throw new PatchSyntaxError(
        `hunk "${line}": its lines hold ${source} → ${target} characters, the header says ${length1} → ${length2}`,
      );
    }
    hunks.push({ start1, start2, length1, length2, diffs });
  }
  return hunks;
}

/**
 * `decodeURI` for patch lines, but decoding WTF-8 (lone surrogates, see encodePatchLine) and
 * every %XX escape, and reporting bad escapes as PatchSyntaxError rather than URIError.
 */
export function decodePatchLine(text: string, lineNo: number): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch !== 0x25) {
      out += text.charAt(i);
      i++;
      continue;
    }
    const first = readByte(text, i, lineNo);
    i += 3;
    let need: number;
    let code: number;
    if (first < 0x80) {
      out += String.fromCharCode(first);
      continue;
    } else if (first >= 0xc2 && first <= 0xdf) {
      need = 1;
      code = first & 0x1f;
    } else if (first >= 0xe0 && first <= 0xef) {
      need = 2;
      code = first & 0x0f;
    } else if (first >= 0xf0 && first <= 0xf4) {
      need = 3;
      code = first & 0x07;
    } else throw new PatchSyntaxError(`line ${lineNo}: invalid UTF-8 lead byte %${hex(first)}`);
    for (let k = 0; k < need; k++) {
      if (text.charCodeAt(i) !== 0x25) throw new PatchSyntaxError(`line ${lineNo}: truncated UTF-8 sequence`);
      const next = readByte(text, i, lineNo);
      if ((next & 0xc0) !== 0x80)
        throw new PatchSyntaxError(`line ${lineNo}: invalid UTF-8 continuation byte`);
      code = (code << 6) | (next & 0x3f);
      i += 3;
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (code < min || code > 0x10ffff)
      throw new PatchSyntaxError(`line ${lineNo}: overlong or out-of-range UTF-8`);
    out += String.fromCodePoint(code);
  }
  return out;
}

function readByte(text: string, i: number, lineNo: number): number {
  const pair = text.slice(i + 1, i + 3);
  if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new PatchSyntaxError(`line ${lineNo}: bad escape "%${pair}"`);
  return parseInt(pair, 16);
}
