import { buildOpenApiDocument } from './openapi.document';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
}
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
}

const document = buildOpenApiDocument('test') as unknown as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

function allRefs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allRefs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : allRefs(inner)));
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and every $ref points at a component it defines', () => {
    expect(document.openapi).toBe('3.1.0');
    const refs = new Set(allRefs(document.paths));
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas[ref.split('/').at(-1) ?? '']).toBeDefined();
    }
  });

  it('describes the stale-write 409 with the current document and the server merge, from the shared schema', () => {
    const stale = document.components.schemas.StaleVersionProblem;
    expect(stale?.properties?.code).toMatchObject({ const: 'stale_version' });
    expect(stale?.properties?.current?.required).toEqual(expect.arrayContaining(['id', 'content', 'version', 'etag', 'updatedBy']));
    expect(stale?.properties?.merge?.properties?.conflicts).toBeDefined();
    expect(stale?.properties?.requestId).toBeDefined();
  });

  it('uses the input side of request schemas (defaults are optional) and refuses unknown fields as the server does', () => {
    const create = document.components.schemas.CreateDocumentRequest;
    expect(create?.required).toEqual(['title']);
    expect(create?.additionalProperties).toBe(false);
    expect(document.components.schemas.RegisterRequest?.properties?.password).toBeDefined();
  });

  it('lets register, login, health and metrics through without a token and requires one elsewhere', () => {
    expect(document.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(document.paths['/api/health']?.get?.security).toEqual([]);
    expect(document.paths['/api/documents']?.post?.security).toBeUndefined();
    expect(document.paths['/api/documents']?.post?.responses['401']).toBeDefined();
  });

  it('gives every conditional write its 428 and 409 answers', () => {
    for (const [path, method] of [
      ['/api/documents/{id}', 'put'],
      ['/api/documents/{id}', 'patch'],
      ['/api/documents/{id}', 'delete'],
      ['/api/documents/{id}/archive', 'post'],
      ['/api/documents/{id}/restore', 'post'],
    ] as const) {
      const responses = document.paths[path]?.[method]?.responses ?? {};
      expect({ path, method, has428: '428' in responses, has409: '409' in responses }).toEqual({ path, method, has428: true, has409: true });
    }
  });
});
