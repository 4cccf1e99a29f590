import { ConcordApiError, ConcordClient } from '@concord/shared';

/**
 * The web client's HTTP access is the shared SDK's ConcordClient, on the page's own origin.
 * Here only what the browser adds: a 401 (an expired or revoked token) reports the refused token,
 * and the app signs out unless a newer one has replaced it (auth.context.tsx).
 */
export function createApiClient(
  token: string | null,
  onUnauthorized: (token: string) => void,
): ConcordClient {
  return new ConcordClient({
    baseUrl: '',
    token: token ?? undefined,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      // The token this request carried: the SDK switches to a new one after a password change.
      const sent = /^Bearer (.+)$/.exec(
        (init.headers as Record<string, string> | undefined)?.Authorization ?? '',
      )?.[1];
      if (response.status === 401 && sent !== undefined) onUnauthorized(sent);
      return response;
    },
  });
}

/** A sentence for a person from whatever went wrong. */
export function describeError(error: unknown): string {
  if (error instanceof ConcordApiError) return error.problem.detail || `The server answered ${error.status}.`;
  // fetch rejects with a TypeError when the network or the server is unreachable.
  if (error instanceof TypeError) return 'Cannot reach the server. Check your connection and try again.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** A random id; crypto.randomUUID exists only in secure contexts (https or localhost). */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
