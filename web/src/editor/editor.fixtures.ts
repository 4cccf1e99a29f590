import type { ConcordDocument, UserSummary } from '@concord/shared';

// Shared by the editor's specs: one document, two people.
export const DOC_ID = '0b7c5a52-7d0e-4a8e-9d53-3f1f2b6f4a11';
export const alice: UserSummary = { id: '5d3c1c1e-1111-4a8e-9d53-3f1f2b6f4a11', username: 'alice', displayName: 'Alice' };
export const bob: UserSummary = { id: '5d3c1c1e-2222-4a8e-9d53-3f1f2b6f4a11', username: 'bob', displayName: 'Bob' };

/** The document as the server would send it at `version`, last written by `by`. */
export function serverDoc(version: number, content: string, by: UserSummary = bob): ConcordDocument {
  return {
    id: DOC_ID,
    title: 'Notes',
    slug: 'notes',
    content,
    version,
    state: 'active',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:05:00.000Z',
    updatedBy: by,
    etag: `"${DOC_ID}.v${version}"`,
  };
}

type Handler = (...args: unknown[]) => void;

export interface Emitted {
  event: string;
  payload: Record<string, unknown>;
  reply: (response: unknown) => void;
}

/** Just enough of a socket.io client socket: records what is sent, lets the test play the server. */
export class FakeSocket {
  connected = false;
  /** As socket.io's: false once the socket gave up (closed by the server, refused) until connect(). */
  active = true;
  connects = 0;
  disconnects = 0;
  readonly emitted: Emitted[] = [];
  private readonly handlers = new Map<string, Handler[]>();

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  emit(event: string, payload: Record<string, unknown>, ack: (response: unknown) => void): this {
    this.emitted.push({ event, payload, reply: ack });
    return this;
  }

  timeout(_ms: number) {
    return {
      emit: (event: string, payload: Record<string, unknown>, ack: (error: Error | null, response?: unknown) => void) => {
        this.emitted.push({ event, payload, reply: (response) => ack(null, response) });
      },
    };
  }

  connect(): this {
    this.connects += 1;
    this.active = true;
    return this;
  }

  disconnect(): this {
    this.disconnects += 1;
    this.connected = false;
    this.active = false;
    return this;
  }

  /** The server closes the socket (revoked tokens): socket.io does not reconnect by itself then. */
  serverCloses(): void {
    this.connected = false;
    this.active = false;
    this.fire('disconnect', 'io server disconnect');
  }

  /** The server's middleware refuses the handshake: socket.io gives up until connect() is called. */
  refuses(message: string): void {
    this.connected = false;
    this.active = false;
    this.fire('connect_error', new Error(message));
  }

  removeAllListeners(): this {
    this.handlers.clear();
    return this;
  }

  /** The server side: deliver an event to the client. */
  fire(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }

  sent(event: string): Emitted[] {
    return this.emitted.filter((item) => item.event === event);
  }
}
