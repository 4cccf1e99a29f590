import {
  CreateDocumentRequestSchema,
  EditAckSchema,
  ERROR_CODES,
  etagFor,
  PresenceBroadcastSchema,
  problemTypeFor,
} from './index';

describe('protocol', () => {
  it('derives a strong, quoted ETag from id and version alone', () => {
    expect(etagFor('a1', 3)).toBe('"a1.v3"');
    expect(etagFor('a1', 3)).toBe(etagFor('a1', 3));
    expect(etagFor('a1', 4)).not.toBe(etagFor('a1', 3));
  });

  it('gives every error code its own problem type URI', () => {
    const types = new Set(ERROR_CODES.map(problemTypeFor));
    expect(types.size).toBe(ERROR_CODES.length);
  });

  it('rejects unknown fields on a create request', () => {
    expect(CreateDocumentRequestSchema.safeParse({ title: 'x', extra: 1 }).success).toBe(false);
    expect(CreateDocumentRequestSchema.parse({ title: ' Notes ' })).toEqual({ title: 'Notes', content: '' });
  });

  it('holds socket acks to one of their two shapes and broadcasts to their exact fields', () => {
    expect(
      EditAckSchema.safeParse({ ok: true, version: 3, etag: '"a1.v3"', merged: true, patch: '' }).success,
    ).toBe(true);
    expect(
      EditAckSchema.safeParse({ ok: false, error: { status: 409, code: 'stale_version', detail: 'x' } })
        .success,
    ).toBe(true);
    expect(EditAckSchema.safeParse({ ok: true, version: 3 }).success).toBe(false);
    expect(
      EditAckSchema.safeParse({ ok: false, error: { status: 409, code: 'no_such_code', detail: 'x' } })
        .success,
    ).toBe(false);
    const alice = { id: '6f1c1d52-4b1e-4f4e-9a51-7d7d2e0d3a10', username: 'alice', displayName: 'Alice' };
    expect(PresenceBroadcastSchema.safeParse({ documentId: 'd1', users: [alice] }).success).toBe(true);
    expect(PresenceBroadcastSchema.safeParse({ documentId: 'd1', users: [alice], room: 'd1' }).success).toBe(
      false,
    );
  });
});
