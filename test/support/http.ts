import { randomBytes } from 'node:crypto';
import type { AuthResponse } from '@concord/shared';
import { openApiViolation } from './openapi-conformance';

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON (incl. problem+json), else the text. */
  body: T;
  text: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer is sent as-is (malformed-input tests). */
  body?: unknown;
  token?: string;
}

/** `T` is what the test expects the JSON body to be; nothing checks it (tests assert on it). */
export type HttpClient = <T = Record<string, unknown>>(
  path: string,
  options?: HttpRequestOptions,
) => Promise<HttpResponse<T>>;

/** A small fetch wrapper bound to a server's base URL. */
export function http(baseUrl: string): HttpClient {
  return async (path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (typeof options.body === 'string') {
      body = options.body;
    } else if (Buffer.isBuffer(options.body)) {
      body = new Uint8Array(options.body);
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const url = new URL(path, baseUrl);
    const method = options.method ?? 'GET';
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const parsed: unknown = /json/.test(contentType) && text.length > 0 ? JSON.parse(text) : text;
    // Every answer a suite sees is held against /api/openapi.json, so the description cannot drift.
    const violation = openApiViolation(
      method,
      url,
      response.status,
      response.headers.get('content-type'),
      parsed,
    );
    if (violation !== undefined) throw new Error(`OpenAPI conformance: ${violation}`);
    return { status: response.status, headers: response.headers, body: parsed as never, text };
  };
}

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Registers a fresh user (password `correct horse battery`) and returns its token and summary. */
export async function registerUser(baseUrl: string, username = uniqueUsername()): Promise<AuthResponse> {
  const response = await http(baseUrl)<AuthResponse>('/api/auth/register', {
    method: 'POST',
    body: { username, password: 'correct horse battery' },
  });
  if (response.status !== 201)
    throw new Error(`register ${username} failed: ${response.status} ${response.text}`);
  return response.body;
}
