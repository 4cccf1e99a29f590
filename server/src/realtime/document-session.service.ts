import type { Change, ConcordDocument, CursorPayload, JoinPayload, UserSummary } from '@concord/shared';
import { Injectable, Logger } from '@nestjs/common';
import { ProblemError } from '../common/problem.error';
import { DocumentsService } from '../documents/documents.service';
import { DocumentHistoryService } from '../documents/document-history.service';
import { type ConcordServer, type ConcordSocket, roomFor } from './realtime.types';

interface PresenceRun {
  /** Set when membership changed while the run was fetching: fetch and broadcast once more. */
  again: boolean;
  done: Promise<void>;
}

export interface JoinResult {
  document: ConcordDocument;
  presence: UserSummary[];
  missed?: Change[];
}

/**
 * The per-document session: who is present, cursors, and catch-up for a (re)joining client.
 * Holds no state of its own: the socket.io rooms are the membership, so presence is the same
 * on every instance (fetchSockets goes through the Redis adapter when there is one).
 */
@Injectable()
export class DocumentSessionService {
  private readonly logger = new Logger(DocumentSessionService.name);
  private readonly presenceRuns = new Map<string, PresenceRun>();

  constructor(
    private readonly documents: DocumentsService,
    private readonly history: DocumentHistoryService,
  ) {}

  async join(server: ConcordServer, socket: ConcordSocket, payload: JoinPayload): Promise<JoinResult> {
    const user = socket.data.user;
    const room = roomFor(payload.documentId);
    const wasInRoom = socket.rooms.has(room);
    // Membership first: a socket that may not see the document never enters its room. Its role
    // is known before it is in the room, where the gateway's periodic check looks for it.
    if (!wasInRoom) {
      const { role } = await this.documents.getForUser(user, payload.documentId);
      socket.data.roles = { ...socket.data.roles, [payload.documentId]: role };
    }
    await socket.join(room);
    try {
      // Read again after joining: every write committed from here on reaches this socket as a
      // broadcast, every earlier one is in this document (or in `missed`), so nothing falls
      // between the two. A client drops broadcasts whose version it already has.
      const { document, role } = await this.documents.getForUser(user, payload.documentId);
      const missed =
        payload.sinceVersion === undefined
          ? undefined
          : await this.catchUp(user, document, payload.sinceVersion);
      const [presence] = await Promise.all([
        this.presence(server, payload.documentId),
        this.broadcastPresence(server, payload.documentId),
      ]);
      socket.data.roles = { ...socket.data.roles, [payload.documentId]: role };
      return missed === undefined ? { document, presence } : { document, presence, missed };
    } catch (error) {
      if (!wasInRoom) {
        await socket.leave(room);
        delete socket.data.roles?.[payload.documentId];
      }
      throw error;
    }
  }

  async leave(server: ConcordServer, socket: ConcordSocket, documentId: string): Promise<void> {
    const room = roomFor(documentId);
    if (!socket.rooms.has(room)) return;
    await socket.leave(room);
    delete socket.data.roles?.[documentId];
    await this.broadcastPresence(server, documentId);
  }

  /** After a disconnect the socket has already left its rooms; tell each room who is left. */
  async afterDisconnect(server: ConcordServer, documentIds: readonly string[]): Promise<void> {
    await Promise.all(documentIds.map((documentId) => this.broadcastPresence(server, documentId)));
  }

  /** Relays a cursor to the others in the room; only a socket that joined may send one. */
  cursor(socket: ConcordSocket, payload: CursorPayload): void {
    const room = roomFor(payload.documentId);
    if (!socket.rooms.has(room)) {
      throw new ProblemError('bad_request', 400, 'Join the document before sending cursor positions.');
    }
    socket.to(room).emit('cursor', {
      documentId: payload.documentId,
      user: socket.data.user,
      anchor: payload.anchor,
      head: payload.head,
    });
  }

  /** Everyone in the document's room, on every instance, each user once however many tabs. */
  async presence(server: ConcordServer, documentId: string): Promise<UserSummary[]> {
    const room = roomFor(documentId);
    let sockets: { data: Partial<ConcordSocket['data']> }[];
    try {
      sockets = await server.in(room).fetchSockets();
    } catch (error) {
      // An instance that does not answer (restarting, partitioned) must not break joins:
      // fall back to this instance's sockets and say so.
      this.logger.warn(
        `presence across instances failed for ${documentId}, using local sockets: ${String(error)}`,
      );
      sockets = await server.local.in(room).fetchSockets();
    }
    const users = new Map<string, UserSummary>();
    for (const { data } of sockets) {
      const user = data.user;
      if (user && !users.has(user.id)) {
        users.set(user.id, { id: user.id, username: user.username, displayName: user.displayName });
      }
    }
    return [...users.values()].sort((a, b) => a.username.localeCompare(b.username));
  }

  /**
   * Tells the room who is present. Runs for one document never overlap: a change during a run
   * triggers one more run after it, so broadcasts go out in order and the last one is computed
   * after the last change (two overlapping fetches could otherwise land the older list last).
   */
  broadcastPresence(server: ConcordServer, documentId: string): Promise<void> {
    const running = this.presenceRuns.get(documentId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const run: PresenceRun = { again: false, done: Promise.resolve() };
    this.presenceRuns.set(documentId, run);
    run.done = (async () => {
      try {
        do {
          run.again = false;
          const users = await this.presence(server, documentId);
          server.to(roomFor(documentId)).emit('presence', { documentId, users });
        } while (run.again);
      } finally {
        this.presenceRuns.delete(documentId);
      }
    })();
    return run.done;
  }

  /**
   * The edits after `sinceVersion`, or undefined when history no longer reaches it (or the
   * client claims a version the document never had): the client then takes `document`.
   */
  private async catchUp(
    user: UserSummary,
    document: ConcordDocument,
    sinceVersion: number,
  ): Promise<Change[] | undefined> {
    if (sinceVersion > document.version) return undefined;
    if (sinceVersion === document.version) return [];
    try {
      return await this.history.changesSince(user, document.id, sinceVersion);
    } catch (error) {
      if (error instanceof ProblemError && error.code === 'history_pruned') return undefined;
      throw error;
    }
  }
}
