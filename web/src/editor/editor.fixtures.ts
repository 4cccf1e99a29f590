import type { ConcordDocument, UserSummary } from '@concord/shared';

// Shared by the editor's specs: one document, two people.
export const DOC_ID = '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11';
export const alice: UserSummary = { id: '5d3c1c1e-1111-4a8e-9d53-3f1f2b6f4a11', username: 'alice', displayName: 'Alice' };
export const bob: UserSummary = { id: '5d3c1c1e-2222-4a8e-9d53-3f1f2b6f4a11', username: 'bob', displayName: 'Bob' };

/** The document as the server would send it at `version`, last written by `by`. */
export function serverDoc(version: number, content: string, by: UserSummary = bob): ConcordDocument {
  return {
    id: DOC_ID,
    title: 'Notes',
    slug: 'notes',
    content,
    version,
    state: 'active',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:05:00.000Z',
    updatedBy: by,
    etag: `"${DOC_ID}.v${version}"`,
  };
}
