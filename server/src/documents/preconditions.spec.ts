import {
  ifMatchMatches,
  ifNoneMatchMatches,
  MalformedPreconditionError,
  modifiedSince,
  parseEntityTagList,
  parseHttpDate,
  versionNamedBy,
} from './preconditions';

const ID = '0b6a3c1e-8f51-4f0e-9a57-0c3a3c0f0d11';
const V3 = `"${ID}.v3"`;

describe('parseEntityTagList (If-Match / If-None-Match)', () => {
  it('reads * as "any"', () => {
    expect(parseEntityTagList('If-Match', ' * ')).toEqual({ kind: 'any' });
  });

  it('reads a single strong tag with its quotes', () => {
    expect(parseEntityTagList('If-Match', V3)).toEqual({ kind: 'list', tags: [{ weak: false, tag: V3 }] });
  });

  it('reads comma lists with spaces, weak tags and empty elements', () => {
    expect(parseEntityTagList('If-Match', ` "a" ,W/"b",, "c"`)).toEqual({
      kind: 'list',
      tags: [
        { weak: false, tag: '"a"' },
        { weak: true, tag: '"b"' },
        { weak: false, tag: '"c"' },
      ],
    });
  });

  it('accepts the empty tag ""', () => {
    expect(parseEntityTagList('If-Match', '""')).toEqual({
      kind: 'list',
      tags: [{ weak: false, tag: '""' }],
    });
  });

  it.each([
    ['unquoted', 'abc'],
    ['unterminated', '"abc'],
    ['unterminated after a good one', '"a", "b'],
    ['missing comma', '"a" "b"'],
    ['lowercase weak prefix', 'w/"a"'],
    ['star inside a list', '"a", *'],
    ['only commas', ' , ,'],
    ['empty', ''],
    ['a space inside the tag', '"a b"'],
  ])('rejects a malformed header (%s)', (_name, value) => {
    expect(() => parseEntityTagList('If-Match', value)).toThrow(MalformedPreconditionError);
  });
});

describe('ifMatchMatches (strong comparison)', () => {
  it('matches when any member of the list is the current tag', () => {
    expect(ifMatchMatches(parseEntityTagList('If-Match', `"x", ${V3}`), V3)).toBe(true);
  });
  it('never matches a weak tag, even with the same opaque value', () => {
    expect(ifMatchMatches(parseEntityTagList('If-Match', `W/${V3}`), V3)).toBe(false);
  });
  it('matches * against any existing document', () => {
    expect(ifMatchMatches({ kind: 'any' }, V3)).toBe(true);
  });
  it('does not match another version', () => {
    expect(ifMatchMatches(parseEntityTagList('If-Match', `"${ID}.v2"`), V3)).toBe(false);
  });
});

describe('ifNoneMatchMatches (weak comparison)', () => {
  it('matches a weak tag with the same opaque value', () => {
    expect(ifNoneMatchMatches(parseEntityTagList('If-None-Match', `W/${V3}`), V3)).toBe(true);
  });
  it('does not match other tags', () => {
    expect(ifNoneMatchMatches(parseEntityTagList('If-None-Match', '"nope"'), V3)).toBe(false);
  });
});

describe('versionNamedBy', () => {
  it('finds the version our strong tag names', () => {
    expect(versionNamedBy(parseEntityTagList('If-Match', `"zzz", ${V3}`), ID)).toBe(3);
  });
  it('ignores weak tags, other documents and odd numbers', () => {
    expect(versionNamedBy(parseEntityTagList('If-Match', `W/${V3}`), ID)).toBeNull();
    expect(versionNamedBy(parseEntityTagList('If-Match', `"other.v3"`), ID)).toBeNull();
    expect(versionNamedBy(parseEntityTagList('If-Match', `"${ID}.v03"`), ID)).toBeNull();
    expect(versionNamedBy(parseEntityTagList('If-Match', `"${ID}.v99999999999"`), ID)).toBeNull();
    expect(versionNamedBy({ kind: 'any' }, ID)).toBeNull();
  });
});

describe('If-Unmodified-Since', () => {
  it('parses IMF-fixdate, RFC 850 and asctime dates to epoch seconds', () => {
    expect(parseHttpDate('If-Unmodified-Since', 'Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('If-Unmodified-Since', 'Sunday, 06-Nov-94 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('If-Unmodified-Since', 'Sun Nov  6 08:49:37 1994')).toBe(784111777);
    expect(parseHttpDate('If-Unmodified-Since', 'Wed Nov 16 08:49:37 1994')).toBe(784111777 + 10 * 86_400);
  });
  it('rejects anything else', () => {
    expect(() => parseHttpDate('If-Unmodified-Since', 'yesterday')).toThrow(MalformedPreconditionError);
    expect(() => parseHttpDate('If-Unmodified-Since', '2026-11-25T10:00:00Z')).toThrow(
      MalformedPreconditionError,
    );
  });
  it('compares at second precision: a sub-second update is not "since"', () => {
    const updatedAt = new Date('1994-11-06T08:49:37.900Z');
    expect(modifiedSince(updatedAt, 784111777)).toBe(false);
    expect(modifiedSince(updatedAt, 784111776)).toBe(true);
    expect(modifiedSince(updatedAt, 784111778)).toBe(false);
  });
});
