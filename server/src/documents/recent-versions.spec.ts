import type { DocumentRow } from './document-rows';
import { RecentVersions } from './recent-versions';

function row(id: string, version: number, content = `v${version}`): DocumentRow {
  const at = new Date('2026-11-26T00:00:00.000Z');
  return {
    id,
    title: 'doc',
    slug: 'doc',
    content,
    version,
    state: 'active',
    owner_id: 'owner',
    created_at: at,
    updated_at: at,
    updated_by_id: 'user',
    updated_by_username: 'user',
    updated_by_display_name: 'User',
    role: 'owner',
  };
}

describe('RecentVersions', () => {
  it('keeps the newest committed row as the head and the contents of the latest versions', () => {
    const recent = new RecentVersions(1_000_000, 3);
    [1, 2, 3, 4].forEach((version) => recent.remember(row('a', version)));
    // An older version remembered late (another path committed it) does not replace the head.
    recent.remember(row('a', 3));
    const remembered = recent.get('a');
    expect(remembered?.head.version).toBe(4);
    expect([...(remembered?.contents.keys() ?? [])].sort()).toEqual([2, 3, 4]);
    expect(remembered?.contents.get(2)).toBe('v2');
    expect(recent.get('b')).toBeUndefined();
  });

  it('forgets a document, and its bytes', () => {
    const recent = new RecentVersions(1_000_000, 3);
    recent.remember(row('a', 1, 'x'.repeat(100)));
    expect(recent.size).toEqual({ documents: 1, bytes: 200 });
    recent.forget('a');
    expect(recent.get('a')).toBeUndefined();
    expect(recent.size).toEqual({ documents: 0, bytes: 0 });
  });

  it('drops the least recently used documents beyond maxBytes', () => {
    const recent = new RecentVersions(500, 2);
    recent.remember(row('a', 1, 'a'.repeat(100)));
    recent.remember(row('b', 1, 'b'.repeat(100)));
    recent.get('a');
    recent.remember(row('c', 1, 'c'.repeat(100)));
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('a')?.head.version).toBe(1);
    expect(recent.get('c')?.head.version).toBe(1);
    expect(recent.size).toEqual({ documents: 2, bytes: 400 });
  });

  it('counts only the contents it keeps when old versions are dropped', () => {
    const recent = new RecentVersions(1_000_000, 2);
    [1, 2, 3].forEach((version) => recent.remember(row('a', version, 'x'.repeat(10 * version))));
    expect(recent.size.bytes).toBe(2 * (20 + 30));
  });
});
