import { CreateDocumentRequestSchema, ERROR_CODES, etagFor, problemTypeFor } from './index';

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
});
