import type { ConcordDocument } from '../../protocol';

// Test fixtures for the SDK and CLI specs (excluded from the library build).

export const FIXTURE_ID = '0b9f4a52-8f43-4a43-9d4c-2a4f6f1f2b11';
export const FIXTURE_USER = {
  id: '7f1b7c1e-1d3b-4e39-9c53-3a4d29a0c9a1',
  username: 'bob',
  displayName: 'Bob',
};

/** A valid document at `version`, with the server's ETag for it. */
export function fixtureDocument(version: number, content: string, title = 'Notes'): ConcordDocument {
  return {
    id: FIXTURE_ID,
    title,
    slug: 'notes',
    content,
    version,
    state: 'active',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
    updatedBy: FIXTURE_USER,
    etag: `"${FIXTURE_ID}.v${version}"`,
  };
}

/** The body of a stale-version 409 carrying `current`. */
export function staleVersionBody(current: ConcordDocument, yourVersion: number): Record<string, unknown> {
  return {
    type: 'urn:concord:problem:stale-version',
    title: 'Stale version',
    status: 409,
    detail: `${current.updatedBy.displayName} changed it.`,
    instance: `/api/documents/${current.id}`,
    code: 'stale_version',
    yourVersion,
    current,
  };
}
