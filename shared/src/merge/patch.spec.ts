import DiffMatchPatch from 'diff-match-patch';
import fc from 'fast-check';
import { applyPatchStrict, makePatch } from './patch';

// Thousands of generated cases under CI=true on a shared 2-core machine: more than Jest's 5 s.
jest.setTimeout(60_000);

const runs = (n: number): number => (process.env.CI === 'true' ? n : Math.ceil(n / 4));

/** Text with astral characters, combining marks, CRLF and lone surrogates mixed in. */
const unit = fc.constantFrom(
  'a',
  'b',
  ' ',
  '\n',
  '\r\n',
  'é',
  '😀',
  '😁',
  '👍🏽',
  '𝒳',
  '%',
  '+',
  '#',
  '\uD83D',
  '\uDE00',
  'z',
);
const text = fc.array(unit, { maxLength: 40 }).map((parts) => parts.join(''));

describe('makePatch', () => {
  it('does not throw where diff-match-patch cuts a surrogate pair (npm diff-match-patch issue 22)', () => {
    const dmp = new DiffMatchPatch();
    const from = 'Hi 😀 there, friend';
    const to = 'Hi 😁 there, friend';
    // The upstream bug this module exists to avoid:
    expect(() => dmp.patch_toText(dmp.patch_make(from, to))).toThrow(URIError);
    const patch = makePatch(from, to);
    expect(patch).toBe('@@ -1,9 +1,9 @@\n Hi \n-😀\n+😁\n  the\n'.replace(/😀|😁/g, encodeURI));
    expect(applyPatchStrict(from, patch)).toEqual({ ok: true, text: to });
  });

  it('does not cut a pair with its context margin', () => {
    const from = '😀😀😀😀😀x😀😀😀😀😀';
    const to = '😀😀😀😀😀y😀😀😀😀😀';
    const patch = makePatch(from, to);
    expect(patch).toBe(`@@ -7,9 +7,9 @@\n ${encodeURI('😀😀')}\n-x\n+y\n ${encodeURI('😀😀')}\n`);
    // diff-match-patch itself parses and applies it.
    const dmp = new DiffMatchPatch();
    expect(dmp.patch_apply(dmp.patch_fromText(patch), from)[0]).toBe(to);
  });

  it('is empty for equal texts', () => {
    expect(makePatch('same', 'same')).toBe('');
    expect(applyPatchStrict('same', '')).toEqual({ ok: true, text: 'same' });
  });

  it('writes what diff-match-patch writes for plain text', () => {
    const dmp = new DiffMatchPatch();
    const from = 'The quick brown fox jumps over the lazy dog.';
    const to = 'The quick red fox jumps over the very lazy dog!';
    const ours = makePatch(from, to);
    expect(dmp.patch_apply(dmp.patch_fromText(ours), from)).toEqual([to, [true, true]]);
  });

  it('round-trips any pair of strings through applyPatchStrict', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const patch = makePatch(a, b);
        expect(applyPatchStrict(a, patch)).toEqual({ ok: true, text: b });
      }),
      { numRuns: runs(3000) },
    );
  });

  it('round-trips arbitrary UTF-16 (fast-check binary strings)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (a, b) => {
          expect(applyPatchStrict(a, makePatch(a, b))).toEqual({ ok: true, text: b });
        },
      ),
      { numRuns: runs(2000) },
    );
  });
});

describe('applyPatchStrict', () => {
  const base = 'alpha beta gamma delta epsilon';
  const patch = makePatch(base, 'alpha beta GAMMA delta epsilon');

  it('reports malformed patch text without throwing', () => {
    expect(applyPatchStrict(base, 'nonsense')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(applyPatchStrict(base, '@@ -1,3 +1,3 @@\n abc\n-%E0%A4%A\n')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(applyPatchStrict(base, '@@ -1,3 +1,3 @@\n %ZZ\n')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(applyPatchStrict(base, '@@ -1,3 +1,3 @@\n*abc\n')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    // Header lengths that disagree with the lines.
    expect(applyPatchStrict(base, '@@ -1,5 +1,3 @@\n abc\n')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a hunk whose context moved, where patch_apply would fuzz it in', () => {
    const moved = `xx ${base}`;
    const dmp = new DiffMatchPatch();
    const [fuzzy, flags] = dmp.patch_apply(dmp.patch_fromText(patch), moved);
    expect(flags).toEqual([true]);
    expect(fuzzy).toBe('xx alpha beta GAMMA delta epsilon');
    expect(applyPatchStrict(moved, patch)).toMatchObject({ ok: false, reason: 'does_not_apply' });
  });

  it('refuses a hunk whose deleted text changed', () => {
    expect(applyPatchStrict('alpha beta gamme delta epsilon', patch)).toMatchObject({
      ok: false,
      reason: 'does_not_apply',
    });
  });

  it('refuses a patch past the end of the text', () => {
    expect(applyPatchStrict('alpha', patch)).toMatchObject({ ok: false, reason: 'does_not_apply' });
  });

  it('refuses an insertion between the halves of a surrogate pair', () => {
    expect(applyPatchStrict('😀', '@@ -1,0 +2,1 @@\n+x\n')).toMatchObject({
      ok: false,
      reason: 'does_not_apply',
    });
  });

  it('applies many hunks of a large text exactly', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} of the document`);
    const from = lines.join('\n');
    const to = lines.map((line, i) => (i % 50 === 0 ? `${line} (edited)` : line)).join('\n');
    expect(applyPatchStrict(from, makePatch(from, to))).toEqual({ ok: true, text: to });
  });

  it('accepts patches made by diff-match-patch itself', () => {
    const dmp = new DiffMatchPatch();
    const from = 'one two three four five six seven eight nine ten';
    const to = 'one 2 three four five six 7 eight nine ten!';
    expect(applyPatchStrict(from, dmp.patch_toText(dmp.patch_make(from, to)))).toEqual({
      ok: true,
      text: to,
    });
  });
});
