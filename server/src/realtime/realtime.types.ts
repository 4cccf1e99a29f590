import type { ClientToServerEvents, MemberRole, ServerToClientEvents, UserSummary } from '@concord/shared';
import type { Server, Socket } from 'socket.io';

/** What the handshake middleware stores on each socket (carried to other instances by fetchSockets). */
export interface SocketData {
  user: UserSummary;
  /** When the handshake token expires (epoch ms); the socket is disconnected then. */
  expiresAt?: number;
  /** The handshake token's generation: revoking the account's tokens closes sockets below the new one. */
  tokenGeneration?: number;
  /** By document: the role this socket was last told of there (by its join, or an `access` event). */
  roles?: Record<string, MemberRole>;
}

/**
 * Notices between instances (`serverSideEmit` over the Redis adapter, which also carries the
 * broadcasts): an account deleted, or its tokens revoked, on one instance ends its sessions on
 * all of them, and a member's changed role or a user's new display name reaches their sockets
 * on all of them.
 */
export interface InterServerEvents {
  /** `belowGeneration`: only sockets of older tokens; null: all of them (the account is gone). */
  'sessions-ended': (userId: string, belowGeneration: number | null) => void;
  'profile-changed': (user: UserSummary) => void;
  'membership-changed': (
    documentId: string,
    userId: string,
    role: MemberRole | null,
    by: UserSummary,
  ) => void;
}

export type ConcordServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ConcordSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const ROOM_PREFIX = 'document:';

/** The socket.io room of a document; every broadcast about it goes there. */
export function roomFor(documentId: string): string {
  return `${ROOM_PREFIX}${documentId}`;
}

/** The document id of a room name, or undefined for rooms that are not documents (e.g. socket ids). */
export function documentIdOfRoom(room: string): string | undefined {
  return room.startsWith(ROOM_PREFIX) ? room.slice(ROOM_PREFIX.length) : undefined;
}
