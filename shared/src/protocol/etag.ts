/**
 * Strong ETags derive from (id, version) only, so every instance and every restart agrees.
 * Clients treat them as opaque.
 */
export function etagFor(id: string, version: number): string {
  return `"${id}.v${version}"`;
}
