// A minimal live editor as a real client would be written: it keeps the last confirmed
// server text, has at most one edit in flight (sent with merge: true), applies others'
// broadcasts in version order, and on a 409 rebases its edit onto `current` with the
// shared three-way merge. The convergence suite runs several of these at once.
import { type ConcordDocument, type EditBroadcast, threeWayMerge } from '@concord/shared';
import DiffMatchPatch from 'diff-match-patch';
import { type ClientSocket, send } from './realtime.helpers';

const dmp = new DiffMatchPatch();

export function makePatchText(from: string, to: string): string {
  return dmp.patch_toText(dmp.patch_make(from, to));
}

/** Applies a patch that must apply exactly (the server's patches always do). */
export function applyPatchExactly(text: string, patch: string): string {
  const [result, applied] = dmp.patch_apply(dmp.patch_fromText(patch), text);
  if (!applied.every(Boolean)) throw new Error(`patch did not apply: ${patch.slice(0, 200)}`);
  return result;
}

interface InFlight {
  baseVersion: number;
  baseText: string;
  mine: string;
  token: string;
}

export interface LiveClientStats {
  sent: number;
  acked: number;
  merged: number;
  stale: number;
  rebasedClean: number;
  reinserted: number;
}

export class LiveDocumentClient {
  text = '';
  version = 0;
  readonly ackedTokens: string[] = [];
  readonly stats: LiveClientStats = {
    sent: 0,
    acked: 0,
    merged: 0,
    stale: 0,
    rebasedClean: 0,
    reinserted: 0,
  };
  private readonly pending = new Map<number, EditBroadcast>();
  private inFlight = false;
  private sequence = 0;

  constructor(
    private readonly socket: ClientSocket,
    private readonly documentId: string,
    private readonly name: string,
    private readonly random: () => number,
  ) {
    socket.on('edit', (broadcast) => {
      if (broadcast.documentId !== this.documentId || broadcast.version <= this.version) return;
      this.pending.set(broadcast.baseVersion, broadcast);
      if (!this.inFlight) this.drain();
    });
  }

  async join(): Promise<void> {
    this.inFlight = true;
    const ack = await send(this.socket, 'join', { documentId: this.documentId });
    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);
    this.adopt(ack.document.content, ack.document.version);
    this.inFlight = false;
    this.drain();
  }

  /** Types one unique line at a line boundary and waits until the server took it. */
  async typeOnce(): Promise<void> {
    this.sequence += 1;
    const token = `[${this.name}#${this.sequence}]`;
    this.inFlight = true;
    try {
      let edit: InFlight = {
        baseVersion: this.version,
        baseText: this.text,
        mine: insertLine(this.text, token, this.random),
        token,
      };
      for (;;) {
        this.stats.sent += 1;
        const ack = await send(this.socket, 'edit', {
          documentId: this.documentId,
          baseVersion: edit.baseVersion,
          patch: makePatchText(edit.baseText, edit.mine),
          clientEditId: `${this.name}-${this.sequence}-${this.stats.sent}`,
          merge: true,
        });
        if (ack.ok) {
          this.stats.acked += 1;
          if (ack.merged) this.stats.merged += 1;
          const serverText =
            ack.merged && ack.patch !== undefined ? applyPatchExactly(edit.mine, ack.patch) : edit.mine;
          this.adopt(serverText, ack.version);
          this.ackedTokens.push(token);
          return;
        }
        if (ack.error.code !== 'stale_version' || !ack.error.current) {
          throw new Error(`edit refused: ${ack.error.status} ${ack.error.code} ${ack.error.detail}`);
        }
        this.stats.stale += 1;
        edit = this.rebase(edit, ack.error.current);
      }
    } finally {
      this.inFlight = false;
      this.drain();
    }
  }

  private rebase(edit: InFlight, current: ConcordDocument): InFlight {
    this.adopt(current.content, current.version);
    const merged = threeWayMerge(edit.baseText, edit.mine, current.content);
    if (merged.clean) {
      this.stats.rebasedClean += 1;
      return {
        baseVersion: current.version,
        baseText: current.content,
        mine: merged.text,
        token: edit.token,
      };
    }
    // Truly overlapping (two lines typed at the same spot): type ours again elsewhere.
    this.stats.reinserted += 1;
    return {
      baseVersion: current.version,
      baseText: current.content,
      mine: insertLine(current.content, edit.token, this.random),
      token: edit.token,
    };
  }

  private adopt(text: string, version: number): void {
    if (version < this.version) return;
    this.text = text;
    this.version = version;
    for (const base of [...this.pending.keys()]) if (base < version) this.pending.delete(base);
  }

  /** Applies buffered broadcasts that continue the confirmed version, in order. */
  private drain(): void {
    for (let next = this.pending.get(this.version); next; next = this.pending.get(this.version)) {
      this.pending.delete(next.baseVersion);
      this.text = applyPatchExactly(this.text, next.patch);
      this.version = next.version;
    }
  }
}

/** Inserts `token` as its own line at a random line boundary, so no token splits another. */
export function insertLine(text: string, token: string, random: () => number): string {
  const boundaries = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) boundaries.push(i + 1);
  const at = boundaries[Math.floor(random() * boundaries.length)] ?? 0;
  return `${text.slice(0, at)}${token}\n${text.slice(at)}`;
}
