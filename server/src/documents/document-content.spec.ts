import { textProblem, utf8Bytes } from './document-content';

describe('textProblem (what counts as document text)', () => {
  it('accepts ordinary, CJK, emoji and ZWJ text', () => {
    expect(textProblem('Hello 世界 🎉 👨‍👩‍👧 \r\n\t')).toBeNull();
    expect(textProblem('')).toBeNull();
  });
  it('rejects NUL, which PostgreSQL text cannot hold', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
  });
  it('rejects lone high and low surrogates anywhere', () => {
    expect(textProblem('\uD83D')).toMatch(/surrogate/);
    expect(textProblem('x\uDE00')).toMatch(/surrogate/);
    expect(textProblem('\uDE00\uD83D')).toMatch(/surrogate/);
    expect(textProblem('\uD83D\uDE00')).toBeNull();
  });
});

describe('utf8Bytes', () => {
  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8Bytes('a')).toBe(1);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('€')).toBe(3);
    expect(utf8Bytes('🎉')).toBe(4);
  });
});
