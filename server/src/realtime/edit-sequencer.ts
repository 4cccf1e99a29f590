/** What the sequencer needs of an edit: where it starts and where it ends. */
export interface SequencedEdit {
  documentId: string;
  baseVersion: number;
  version: number;
}

interface DocumentSequence<E extends SequencedEdit> {
  /** The highest version this instance has broadcast for the document. */
  last: number;
  /** Edits that arrived ahead of a gap, by base version. */
  held: Map<number, E>;
  timer?: NodeJS.Timeout;
  touched: number;
}

/**
 * Puts one instance's broadcasts of a document back in version order. Writes commit in version
 * order, but their "after commit" events can swap when the committing database backend is
 * descheduled between releasing the row lock and answering COMMIT (seen under load: v373
 * announced before v372). An edit that skips ahead of the last broadcast waits until the gap
 * fills — normally within the same millisecond — or at most `holdMs`: a gap can also be a write
 * another instance handled (its edit reaches clients through the Redis adapter, not here), and
 * that must not stall this instance's edits for long. Clients still chain edits by baseVersion;
 * this keeps single-instance delivery in order so they rarely have to.
 */
export class EditSequencer<E extends SequencedEdit> {
  private readonly documents = new Map<string, DocumentSequence<E>>();
  private lastPrune = 0;

  constructor(
    private readonly deliver: (edit: E) => void,
    private readonly holdMs: number,
    private readonly now: () => number = () => Date.now(),
    /** Documents idle this long are forgotten (their next edit is sent as it comes). */
    private readonly forgetAfterMs = 60_000,
  ) {}

  push(edit: E): void {
    this.prune();
    const sequence = this.documents.get(edit.documentId);
    if (sequence === undefined) {
      this.documents.set(edit.documentId, { last: edit.version, held: new Map(), touched: this.now() });
      this.deliver(edit);
      return;
    }
    sequence.touched = this.now();
    if (edit.baseVersion > sequence.last) {
      sequence.held.set(edit.baseVersion, edit);
      sequence.timer ??= setTimeout(() => this.flush(edit.documentId), this.holdMs);
      return;
    }
    this.send(sequence, edit);
    this.release(sequence);
  }

  /** Sends whatever is held for every document (shutdown). */
  flushAll(): void {
    for (const documentId of [...this.documents.keys()]) this.flush(documentId);
  }

  private send(sequence: DocumentSequence<E>, edit: E): void {
    sequence.last = Math.max(sequence.last, edit.version);
    this.deliver(edit);
  }

  /** Sends held edits that now continue the sequence. */
  private release(sequence: DocumentSequence<E>): void {
    for (let next = sequence.held.get(sequence.last); next; next = sequence.held.get(sequence.last)) {
      sequence.held.delete(next.baseVersion);
      this.send(sequence, next);
    }
    if (sequence.held.size === 0 && sequence.timer) {
      clearTimeout(sequence.timer);
      sequence.timer = undefined;
    }
  }

  /** The gap did not fill in time (another instance's write): send what is held, in order. */
  private flush(documentId: string): void {
    const sequence = this.documents.get(documentId);
    if (!sequence) return;
    if (sequence.timer) clearTimeout(sequence.timer);
    sequence.timer = undefined;
    const held = [...sequence.held.values()].sort((a, b) => a.version - b.version);
    sequence.held.clear();
    for (const edit of held) this.send(sequence, edit);
  }

  private prune(): void {
    const now = this.now();
    if (now - this.lastPrune < this.forgetAfterMs / 4) return;
    this.lastPrune = now;
    for (const [documentId, sequence] of this.documents) {
      if (sequence.held.size === 0 && now - sequence.touched > this.forgetAfterMs)
        this.documents.delete(documentId);
    }
  }
}
