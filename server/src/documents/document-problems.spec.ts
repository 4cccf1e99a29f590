import { etagFor, type ConcordDocument } from '@concord/shared';
import { agoInWords, staleVersion } from './document-problems';

const ID = '0b6a3c1e-8f51-4f0e-9a57-0c3a3c0f0d11';
const current: ConcordDocument = {
  id: ID,
  title: 'Notes',
  slug: 'notes',
  content: 'x',
  version: 7,
  state: 'active',
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: new Date(Date.now() - 3 * 60_000).toISOString(),
  updatedBy: { id: '1b6a3c1e-8f51-4f0e-9a57-0c3a3c0f0d11', username: 'alice', displayName: 'Alice' },
  etag: etagFor(ID, 7),
};

describe('agoInWords', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    [1, 'just now'],
    [30, '30 seconds ago'],
    [60, 'a minute ago'],
    [5 * 60, '5 minutes ago'],
    [3600, 'an hour ago'],
    [5 * 3600, '5 hours ago'],
    [3 * 86400, '3 days ago'],
  ])('%i seconds → %s', (seconds, words) => {
    expect(agoInWords(new Date(now.getTime() - seconds * 1000), now)).toBe(words);
  });
});

describe('staleVersion', () => {
  it('is the contract 409: current, yourVersion, the current ETag header and who/when in words', () => {
    const problem = staleVersion(current, 5);
    expect(problem).toMatchObject({ code: 'stale_version', status: 409, headers: { ETag: current.etag } });
    expect(problem.extensions).toEqual({ yourVersion: 5, current });
    expect(problem.detail).toMatch(
      /^Alice \(@alice\) changed this document 3 minutes ago, at .+; it is now at version 7 and you sent version 5\.$/,
    );
  });
  it('carries the merge attempt when there is one', () => {
    const merge = { text: 'a', conflicts: [{ base: '', mine: 'a', theirs: 'b', start: 0, end: 1 }] };
    const problem = staleVersion(current, null, merge);
    expect(problem.extensions).toEqual({ yourVersion: null, current, merge });
    expect(problem.detail).toMatch(/names no version of it/);
    expect(problem.detail).toMatch(/1 conflicting region/);
  });
});
