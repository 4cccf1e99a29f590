import { ProblemError } from '../../common/problem.error';
import { preconditionFromHeaders, prefersMerge } from './preconditions-from-headers';
import { parseVersionParam } from './documents-query.dto';
import { decodeCursor, encodeCursor } from '../documents.service';

describe('preconditionFromHeaders', () => {
  it('prefers If-Match over If-Unmodified-Since', () => {
    expect(preconditionFromHeaders('"a"', 'Sun, 06 Nov 1994 08:49:37 GMT')).toEqual({
      kind: 'if-match',
      tags: { kind: 'list', tags: [{ weak: false, tag: '"a"' }] },
    });
    expect(preconditionFromHeaders(undefined, 'Sun, 06 Nov 1994 08:49:37 GMT')).toEqual({
      kind: 'if-unmodified-since',
      seconds: 784111777,
    });
    expect(preconditionFromHeaders(undefined, undefined)).toBeNull();
  });

  it('turns malformed headers into 400 malformed_precondition', () => {
    for (const [ifMatch, ius] of [
      ['abc', undefined],
      ['"abc', undefined],
      [undefined, 'soon'],
    ] as const) {
      try {
        preconditionFromHeaders(ifMatch, ius);
        throw new Error('expected a problem');
      } catch (error) {
        expect(error).toBeInstanceOf(ProblemError);
        expect(error).toMatchObject({ code: 'malformed_precondition', status: 400 });
      }
    }
  });
});

describe('prefersMerge', () => {
  it.each([
    ['merge', true],
    ['MERGE', true],
    ['return=minimal, merge', true],
    ['merge; strategy=text', true],
    ['respond-async', false],
    ['merged', false],
    [undefined, false],
  ])('%j → %s', (header, expected) => {
    expect(prefersMerge(header)).toBe(expected);
  });
});

describe('parseVersionParam', () => {
  it('accepts positive integers only', () => {
    expect(parseVersionParam('1')).toBe(1);
    expect(parseVersionParam('42')).toBe(42);
    expect(parseVersionParam('2147483647')).toBe(2147483647);
    for (const bad of ['0', '-1', '01', '1.5', 'x', '2147483648', '9999999999', '99999999999'])
      expect(parseVersionParam(bad)).toBeNull();
  });
});

describe('list cursors', () => {
  it('round-trip and are opaque base64url', () => {
    const at = new Date('2026-11-25T10:00:00.123Z');
    const id = '0b6a3c1e-8f51-4f0e-9a57-0c3a3c0f0d11';
    const cursor = encodeCursor(at, id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ updatedAt: at.toISOString(), id });
  });
  it('reject anything the server did not give out with 422', () => {
    for (const bad of [
      'garbage',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(
        expect.objectContaining({ code: 'validation_failed', status: 422 }),
      );
    }
  });
});
