import {
  type Change,
  type ConcordDocument,
  type VersionListItem,
  applyPatchStrict,
  makePatch,
} from '@concord/shared';
import { describeE2E, registerUser, useSuiteServer } from '../support';
import { createDocument } from './documents.helpers';

// The embedded database takes a few seconds to boot, and 80+ serialized writes take a while on it.
jest.setTimeout(120_000);

const CLIENTS = 16;
const WRITES_PER_CLIENT = 5;
const MAX_ATTEMPTS = 200;

interface ClientResult {
  acknowledged: string[];
  conflicts: number;
  statuses: number[];
}

describeE2E('concurrency: many writers on one document lose nothing', () => {
  const suite = useSuiteServer();
  const { api } = suite;

  /** Rebuilds the final text from /changes?since=0, proving every version's patch is in the history. */
  async function replayHistory(id: string, token: string): Promise<string> {
    const changes = await api<Change[]>(`/api/documents/${id}/changes?since=0`, { token });
    expect(changes.status).toBe(200);
    let text = '';
    changes.body.forEach((change, index) => {
      expect(change.version).toBe(index + 1);
      const applied = applyPatchStrict(text, change.patch);
      if (!applied.ok) throw new Error(`version ${change.version}: ${applied.detail}`);
      text = applied.text;
    });
    return text;
  }

  it(`${CLIENTS} clients doing read-modify-write with retries on 409: every acknowledged write present, versions contiguous, no 5xx`, async () => {
    const owner = await registerUser(suite.url);
    const document = await createDocument(api, owner.token, { title: 'Hot document', content: 'start\n' });
    const writers = await Promise.all(Array.from({ length: CLIENTS - 1 }, () => registerUser(suite.url)));
    for (const writer of writers) {
      const shared = await api(`/api/documents/${document.id}/members`, {
        method: 'POST',
        token: owner.token,
        body: { username: writer.user.username, role: 'editor' },
      });
      expect(shared.status).toBe(201);
    }
    const tokens = [owner.token, ...writers.map((w) => w.token)];

    async function client(index: number): Promise<ClientResult> {
      const result: ClientResult = { acknowledged: [], conflicts: 0, statuses: [] };
      const token = tokens[index];
      let read = await api<ConcordDocument>(`/api/documents/${document.id}`, { token });
      result.statuses.push(read.status);
      let current = read.body;
      for (let write = 0; write < WRITES_PER_CLIENT; write++) {
        const line = `client ${index} write ${write}\n`;
        for (let attempt = 1; ; attempt++) {
          if (attempt > MAX_ATTEMPTS) throw new Error(`client ${index} gave up on write ${write}`);
          const response = await api<ConcordDocument & { current?: ConcordDocument }>(
            `/api/documents/${document.id}`,
            {
              method: 'PUT',
              token,
              headers: { 'if-match': current.etag },
              body: { content: current.content + line },
            },
          );
          result.statuses.push(response.status);
          if (response.status === 200) {
            result.acknowledged.push(line);
            current = response.body;
            break;
          }
          expect(response.status).toBe(409);
          result.conflicts++;
          // The 409 carries the latest document: no extra GET needed to retry.
          current = response.body.current as ConcordDocument;
          if (attempt % 10 === 0) {
            read = await api<ConcordDocument>(`/api/documents/${document.id}`, { token });
            current = read.body;
          }
        }
      }
      return result;
    }

    const results = await Promise.all(tokens.map((_token, index) => client(index)));
    const statuses = results.flatMap((r) => r.statuses);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const acknowledged = results.flatMap((r) => r.acknowledged);
    expect(acknowledged).toHaveLength(CLIENTS * WRITES_PER_CLIENT);

    const final = await api<ConcordDocument>(`/api/documents/${document.id}`, { token: owner.token });
    expect(final.body.version).toBe(1 + CLIENTS * WRITES_PER_CLIENT);
    for (const line of acknowledged) expect(final.body.content).toContain(line);
    expect(final.body.content.split('\n').filter((l) => l.length > 0)).toHaveLength(1 + acknowledged.length);

    const versions = await api<VersionListItem[]>(`/api/documents/${document.id}/versions`, {
      token: owner.token,
    });
    expect(versions.body.map((v) => v.version)).toEqual(
      Array.from({ length: final.body.version }, (_v, i) => final.body.version - i),
    );
    expect(await replayHistory(document.id, owner.token)).toBe(final.body.content);
    // The race was real: some writes had to retry.
    expect(results.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);
  });

  it(`${CLIENTS} clients patching their own lines with Prefer: merge all land without a human`, async () => {
    const owner = await registerUser(suite.url);
    const lines = Array.from({ length: CLIENTS }, (_v, i) => `line ${i}`);
    const base = `${lines.join('\n')}\n`;
    const document = await createDocument(api, owner.token, { title: 'Merge storm', content: base });
    const statuses: number[] = [];
    let merged = 0;
    // One user, many clients (tabs): all patch against version 1, so most are stale and merged.
    await Promise.all(
      lines.map(async (line, index) => {
        const mine = base.replace(`${line}\n`, `${line} edited by ${index}\n`);
        const response = await api<ConcordDocument>(`/api/documents/${document.id}`, {
          method: 'PATCH',
          token: owner.token,
          headers: { 'if-match': document.etag, prefer: 'merge' },
          body: { patch: makePatch(base, mine) },
        });
        statuses.push(response.status);
        if (response.headers.get('preference-applied') === 'merge') merged++;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: CLIENTS }, () => 200));
    expect(merged).toBeGreaterThan(0);
    const final = await api<ConcordDocument>(`/api/documents/${document.id}`, { token: owner.token });
    expect(final.body.version).toBe(1 + CLIENTS);
    lines.forEach((line, index) => expect(final.body.content).toContain(`${line} edited by ${index}\n`));
    expect(await replayHistory(document.id, owner.token)).toBe(final.body.content);
  });
});
