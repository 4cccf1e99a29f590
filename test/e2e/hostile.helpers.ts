// Helpers of the hostile-input suites: forged JWTs, raw HTTP requests (bytes a fetch client
// would refuse to send), and the after-checks every hostile run ends with.
import { createHmac } from 'node:crypto';
import { request as rawRequest } from 'node:http';
import type { ConcordDocument } from '@concord/shared';
import { type HttpClient, TEST_DEFAULT_ENV } from '../support';

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An HS256 JWT signed with `secret` (or an unsigned `alg: none` one when secret is null). */
export function forgeToken(
  claims: Record<string, unknown>,
  secret: string | null = TEST_DEFAULT_ENV.JWT_SECRET,
): string {
  if (secret === null) return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends exactly these bytes (headers fetch would normalise or refuse, invalid UTF-8 bodies…). */
export function rawHttp(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = rawRequest(
      new URL(path, baseUrl),
      {
        method: options.method ?? 'GET',
        headers: {
          ...options.headers,
          ...(options.body ? { 'content-length': String(options.body.length) } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Text Concord may store: well-formed UTF-16 (no lone surrogates) and no NUL. */
export function isStorableText(text: string): boolean {
  // No lone surrogate: a high half not followed by a low one, or a low half not preceded by a high one.
  return (
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text) &&
    !text.includes('\u0000')
  );
}

/** Every document `token` can list holds storable text (content is fetched one by one: the list has none). */
export async function unstorableDocuments(api: HttpClient, token: string): Promise<string[]> {
  const listed = await api<{ items: { id: string }[] }>('/api/documents?limit=100', { token });
  const bad: string[] = [];
  for (const item of listed.body.items) {
    const document = await api<ConcordDocument>(`/api/documents/${item.id}`, { token });
    if (!isStorableText(document.body.content) || !isStorableText(document.body.title)) bad.push(item.id);
  }
  return bad;
}
