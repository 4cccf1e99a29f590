// Helpers shared by the documents end-to-end suites.
import type { ConcordDocument } from '@concord/shared';
import type { HttpClient, HttpResponse } from '../support';

export function expectProblem(response: HttpResponse<unknown>, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { status, code } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

/** Creates a document as `token` and returns it (asserting the 201). */
export async function createDocument(
  api: HttpClient,
  token: string,
  body: { title: string; content?: string; slug?: string },
): Promise<ConcordDocument> {
  const response = await api<ConcordDocument>('/api/documents', { method: 'POST', token, body });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
  return response.body;
}

/** PUT with If-Match, asserting 200; returns the new document. */
export async function putDocument(
  api: HttpClient,
  token: string,
  document: ConcordDocument,
  content: string,
): Promise<ConcordDocument> {
  const response = await api<ConcordDocument>(`/api/documents/${document.id}`, {
    method: 'PUT',
    token,
    headers: { 'if-match': document.etag },
    body: { content },
  });
  if (response.status !== 200) throw new Error(`put failed: ${response.status} ${response.text}`);
  return response.body;
}
