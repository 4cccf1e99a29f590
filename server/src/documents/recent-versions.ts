import type { DocumentRow } from './document-rows';

interface RecentDocument {
  /** The newest version this process knows to have been committed. */
  head: DocumentRow;
  /** Contents of the latest versions by number, oldest first (merge bases of stale edits). */
  contents: Map<number, string>;
  bytes: number;
}

/** UTF-16 code units take two bytes in V8's two-byte strings: a bound, not an exact count. */
const bytesOf = (text: string): number => text.length * 2;

/**
 * What this process last committed of each recently written document: its row and the contents
 * of its latest versions. A hint, never the truth: a write decided on it lands only through a
 * compare-and-swap on the head's version, so a head that another instance has since superseded
 * costs a miss (and is forgotten), not a wrong write. Versions are immutable once committed, so
 * a remembered content of version v is the content of v for as long as the document exists.
 * Bounded: at most `versionsPerDocument` contents per document, and the least recently used
 * documents are dropped while the whole holds more than `maxBytes`.
 */
export class RecentVersions {
  private readonly documents = new Map<string, RecentDocument>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly versionsPerDocument: number,
  ) {}

  /** The document's remembered head and version contents (marks it recently used). */
  get(id: string): { head: DocumentRow; contents: ReadonlyMap<number, string> } | undefined {
    const recent = this.documents.get(id);
    if (!recent) return undefined;
    this.documents.delete(id);
    this.documents.set(id, recent);
    return recent;
  }

  /** A committed version of the document (only a newer one replaces the head). */
  remember(row: DocumentRow): void {
    let recent = this.documents.get(row.id);
    if (!recent) {
      recent = { head: row, contents: new Map(), bytes: 0 };
    } else {
      this.documents.delete(row.id);
      if (row.version > recent.head.version) recent.head = row;
    }
    this.documents.set(row.id, recent);
    if (!recent.contents.has(row.version)) {
      recent.contents.set(row.version, row.content);
      recent.bytes += bytesOf(row.content);
      this.bytes += bytesOf(row.content);
    }
    while (recent.contents.size > this.versionsPerDocument) this.dropOldestVersion(recent);
    for (const [id] of this.documents) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(id);
    }
  }

  forget(id: string): void {
    const recent = this.documents.get(id);
    if (!recent) return;
    this.bytes -= recent.bytes;
    this.documents.delete(id);
  }

  /** Memory held, for tests and metrics. */
  get size(): { documents: number; bytes: number } {
    return { documents: this.documents.size, bytes: this.bytes };
  }

  private dropOldestVersion(recent: RecentDocument): void {
    const oldest = Math.min(...recent.contents.keys());
    const content = recent.contents.get(oldest) ?? '';
    recent.contents.delete(oldest);
    recent.bytes -= bytesOf(content);
    this.bytes -= bytesOf(content);
  }
}
