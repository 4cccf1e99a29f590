import type { INestApplication } from '@nestjs/common';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { buildOpenApiDocument } from './openapi.document';

export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/openapi.json';

/**
 * Serves the zod-generated description at /api/openapi.json and Swagger UI at /api/docs.
 * @nestjs/swagger is used only for serving (UI assets, JSON route): its decorator scanner
 * would describe the DTO classes we do not have, not the zod schemas we validate with.
 */
export function setupOpenApi(app: INestApplication, version = '0.1.0'): void {
  const document = buildOpenApiDocument(version) as unknown as OpenAPIObject;
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'Concord API',
  });
}
