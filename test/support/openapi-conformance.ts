import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
// The e2e suites hold every answer the server gives against the description it publishes.
// eslint-disable-next-line @nx/enforce-module-boundaries -- test/ reads the server's OpenAPI builder on purpose
import { buildOpenApiDocument } from '../../server/src/observability/openapi.document';

interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}
interface Route {
  template: string;
  pattern: RegExp;
  operations: Record<string, Operation>;
}

/** Paths under /api that describe the API rather than belong to it: the Swagger UI and the description itself. */
const NOT_DESCRIBED = /^\/api\/(docs|openapi)/;

const document = buildOpenApiDocument('conformance') as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

// Formats are not checked by name: zod's schemas carry the same rule as a `pattern`.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: document.components });

const routes: Route[] = Object.entries(document.paths).map(([template, operations]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  operations,
}));

const validators = new Map<Record<string, unknown>, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    // Refs are written against the document's root; resolve them against the registered copy.
    const rooted = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
    ) as object;
    validate = ajv.compile(rooted);
    validators.set(schema, validate);
  }
  return validate;
}

function routeOf(pathname: string): Route | undefined {
  return routes.find((route) => route.pattern.test(pathname));
}

/** The declared answer a problem+json body of an undescribed route must still satisfy. */
const PROBLEM = { $ref: '#/components/schemas/Problem' };

function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function check(schema: Record<string, unknown>, body: unknown, where: string): string | undefined {
  const validate = validatorFor(schema);
  if (validate(body)) return undefined;
  return `${where}: the body does not match the published schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`;
}

/**
 * Why the answer to `method url` breaks /api/openapi.json, or undefined when it conforms: its
 * status must be one the operation declares, its media type the declared one, and its body
 * valid against the declared schema. Answers outside the described routes must be 404
 * problems. Everything not under /api (the web client) is not described and not checked.
 */
export function openApiViolation(
  method: string,
  url: URL,
  status: number,
  contentType: string | null,
  body: unknown,
): string | undefined {
  const { pathname } = url;
  if (!pathname.startsWith('/api/') || NOT_DESCRIBED.test(pathname)) return undefined;
  const where = `${method} ${pathname} → ${status}`;
  const operation = routeOf(pathname)?.operations[method.toLowerCase()];
  if (operation === undefined) {
    if (status !== 404) return `${where}: not a described operation, yet not answered 404`;
    return check(PROBLEM, body, where);
  }
  const declared = operation.responses[String(status)];
  if (declared === undefined) {
    return `${where}: status not declared (declared: ${Object.keys(operation.responses).join(', ')})`;
  }
  if (declared.content === undefined) return undefined;
  const mediaType = mediaTypeOf(contentType);
  const content = declared.content[mediaType];
  if (content === undefined) {
    return `${where}: answered ${mediaType || 'no content type'}, declared ${Object.keys(declared.content).join(', ')}`;
  }
  return content.schema === undefined ? undefined : check(content.schema, body, where);
}
