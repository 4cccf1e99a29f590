import {
  type Ack,
  type AckFailure,
  CursorPayloadSchema,
  type EditAck,
  type EditBroadcast,
  EditPayloadSchema,
  type JoinAck,
  JoinPayloadSchema,
  LeavePayloadSchema,
  MEMBER_ROLES,
  type MemberRole,
  type UserSummary,
  UserSummarySchema,
} from '@concord/shared';
import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  type OnGatewayConnection,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { z, type ZodType } from 'zod';
import {
  ACCOUNT_DELETED,
  AccountDeletedEvent,
  PROFILE_CHANGED,
  ProfileChangedEvent,
  SESSIONS_REVOKED,
  SessionsRevokedEvent,
} from '../auth/account-events';
import { AuthService } from '../auth/auth.service';
import { ProblemError } from '../common/problem.error';
import { type RedisConfig, redisConfig } from '../config/redis.config';
import { isDatabaseUnavailableError } from '../database/database-errors';
import { DocumentsService } from '../documents/documents.service';
import { MembersService } from '../documents/members.service';
import { MetricsService } from '../observability/metrics.service';
import {
  DOCUMENT_CHANGED,
  DOCUMENT_STATE,
  DocumentChangedEvent,
  DocumentStateEvent,
  MEMBERSHIP_CHANGED,
  MembershipChangedEvent,
} from '../documents/document-events';
import { ackFailure, toAckFailure, validationFailure } from './ack-error.mapper';
import { DocumentSessionService } from './document-session.service';
import { TokenBucket } from './edit-rate-limiter';
import { EditSequencer } from './edit-sequencer';
import { type RealtimeConfig, realtimeConfig } from './realtime.config';
import { type ConcordServer, type ConcordSocket, documentIdOfRoom, roomFor } from './realtime.types';

type AckCallback<T> = (response: T) => void;

/** A `membership-changed` notice from another instance, checked like any input. */
const MembershipNoticeSchema = z.object({
  documentId: z.string(),
  userId: z.string(),
  role: z.enum(MEMBER_ROLES).nullable(),
  by: UserSummarySchema,
});

const CLIENT_EVENTS: ReadonlySet<string> = new Set(['join', 'leave', 'edit', 'cursor']);
/** setTimeout's ceiling (~24.8 days); a longer-lived token is cut then and simply reconnects. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Takes a token from `bucket`, or the 429 ack that says when to retry. */
function rateLimited(bucket: TokenBucket, what: string): AckFailure | undefined {
  const waitMs = bucket.take();
  if (waitMs === 0) return undefined;
  return ackFailure(429, 'rate_limited', `Too many ${what} from this connection; retry in ${waitMs} ms.`, {
    retryAfterMs: waitMs,
  });
}

/**
 * What the socket keeps of an already verified JWT: its `exp` in epoch milliseconds (undefined
 * when it has none) and its token generation (`gen`, 0 when absent).
 */
export function tokenLifetime(token: unknown): { expiresAt?: number; tokenGeneration: number } {
  let claims: { exp?: unknown; gen?: unknown } = {};
  try {
    const parsed: unknown =
      typeof token === 'string'
        ? JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
        : undefined;
    if (typeof parsed === 'object' && parsed !== null) claims = parsed;
  } catch {
    // Verified already; an unreadable payload simply carries neither claim.
  }
  return {
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
    tokenGeneration: typeof claims.gen === 'number' ? claims.gen : 0,
  };
}

/**
 * The socket transport of CONTRACT §3: authenticates the handshake, validates and acks every
 * client event, and turns the documents service's domain events into room broadcasts. It
 * decides nothing about documents itself (the documents service does) and keeps no session
 * state (the session service and the rooms do).
 */
@WebSocketGateway({ serveClient: false })
export class RealtimeGateway
  implements OnGatewayInit<ConcordServer>, OnGatewayConnection<ConcordSocket>, OnModuleDestroy
{
  private readonly logger = new Logger(RealtimeGateway.name);
  /** Broadcasts each document's edits in version order (see EditSequencer for why they can swap). */
  private readonly sequencer: EditSequencer<DocumentChangedEvent>;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconciling = false;

  @WebSocketServer()
  private server!: ConcordServer;

  constructor(
    private readonly auth: AuthService,
    private readonly documents: DocumentsService,
    private readonly members: MembersService,
    private readonly sessions: DocumentSessionService,
    @Inject(realtimeConfig.KEY) private readonly config: RealtimeConfig,
    @Inject(redisConfig.KEY) private readonly redis: RedisConfig,
    private readonly metrics: MetricsService,
  ) {
    this.sequencer = new EditSequencer((event) => this.broadcastEdit(event), config.reorderHoldMs);
  }

  onModuleDestroy(): void {
    clearInterval(this.reconcileTimer);
    this.sequencer.flushAll();
  }

  afterInit(server: ConcordServer): void {
    // Open sockets and rooms are read from the server at scrape time (observability/).
    this.metrics.watchRealtime(server);
    server.on('sessions-ended', (userId: unknown, belowGeneration: unknown) => {
      if (typeof userId !== 'string') return;
      this.endSessionsOf(userId, typeof belowGeneration === 'number' ? belowGeneration : undefined);
    });
    server.on('profile-changed', (user: unknown) => {
      const parsed = UserSummarySchema.safeParse(user);
      if (parsed.success) this.applyProfile(parsed.data);
    });
    server.on('membership-changed', (documentId: unknown, userId: unknown, role: unknown, by: unknown) => {
      const change = MembershipNoticeSchema.safeParse({ documentId, userId, role, by });
      if (change.success) this.applyMembershipChange(change.data);
    });
    if (this.redis.url !== undefined) {
      this.reconcileTimer = setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs);
      this.reconcileTimer.unref();
    }
    // A middleware rather than a check in `connection`: a refused handshake becomes the
    // client's connect_error with this message, and no event of it is ever handled.
    server.use((socket, next) => {
      this.authenticate(socket.handshake.auth).then(
        (user) => {
          socket.data.user = user;
          Object.assign(socket.data, tokenLifetime(socket.handshake.auth.token));
          next();
        },
        (error: unknown) => next(error instanceof Error ? error : new Error('unauthorized')),
      );
    });
  }

  handleConnection(socket: ConcordSocket): void {
    this.metrics.socketConnected();
    const edits = new TokenBucket({
      ratePerSecond: this.config.editRatePerSecond,
      burst: this.config.editBurst,
    });
    // Each cursor move is relayed to the whole room: a flood of them is as costly as one of edits.
    const cursors = new TokenBucket({
      ratePerSecond: this.config.cursorRatePerSecond,
      burst: this.config.cursorBurst,
    });
    let joinedBeforeDisconnect: string[] = [];

    this.on(socket, 'join', JoinPayloadSchema, async (payload): Promise<JoinAck> => ({
      ok: true,
      ...(await this.sessions.join(this.server, socket, payload)),
    }));

    this.on(socket, 'leave', LeavePayloadSchema, async (payload): Promise<Ack> => {
      await this.sessions.leave(this.server, socket, payload.documentId);
      return { ok: true };
    });

    this.on(
      socket,
      'edit',
      EditPayloadSchema,
      async (payload): Promise<EditAck> => {
        const started = performance.now();
        let accepted = false;
        try {
          const result = await this.documents.applyEdit(socket.data.user, payload.documentId, {
            baseVersion: payload.baseVersion,
            patch: payload.patch,
            merge: payload.merge,
            clientEditId: payload.clientEditId,
            originSocketId: socket.id,
          });
          accepted = true;
          const { version, etag } = result.document;
          return result.merged
            ? { ok: true, version, etag, merged: true, patch: result.patch }
            : { ok: true, version, etag };
        } finally {
          this.metrics.observeSocketWrite(performance.now() - started, accepted);
        }
      },
      () => rateLimited(edits, 'edits'),
    );

    this.on(
      socket,
      'cursor',
      CursorPayloadSchema,
      (payload): Promise<Ack> => {
        this.sessions.cursor(socket, payload);
        return Promise.resolve({ ok: true });
      },
      () => rateLimited(cursors, 'cursor moves'),
    );

    // Every client event is acked, even one the contract does not know (a client bug, or an
    // older/newer client): a clear 400 beats a callback that never fires.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (CLIENT_EVENTS.has(event)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function')
        (ack as AckCallback<AckFailure>)(ackFailure(400, 'bad_request', `Unknown event "${event}".`));
    });

    // Rooms are gone by the time `disconnect` fires, so remember them one step earlier.
    socket.on('disconnecting', () => {
      joinedBeforeDisconnect = [...socket.rooms].flatMap((room) => documentIdOfRoom(room) ?? []);
    });
    // The token was checked once, at the handshake: a socket must not outlive it. The client
    // sees a server disconnect and reconnects with a fresh token (or gets `unauthorized`).
    const expiry =
      socket.data.expiresAt === undefined
        ? undefined
        : setTimeout(
            () => socket.disconnect(true),
            Math.min(MAX_TIMER_MS, Math.max(0, socket.data.expiresAt - Date.now())),
          );
    socket.on('disconnect', () => {
      if (expiry) clearTimeout(expiry);
      if (joinedBeforeDisconnect.length === 0) return;
      this.sessions.afterDisconnect(this.server, joinedBeforeDisconnect).catch((error: unknown) => {
        this.logger.warn(`presence after disconnect failed: ${String(error)}`);
      });
    });
  }

  /** Every accepted write, from HTTP or a socket, goes to the room once, never back to its sender. */
  @OnEvent(DOCUMENT_CHANGED)
  onDocumentChanged(event: DocumentChangedEvent): void {
    this.sequencer.push(event);
  }

  private broadcastEdit(event: DocumentChangedEvent): void {
    const broadcast: EditBroadcast = {
      documentId: event.documentId,
      baseVersion: event.baseVersion,
      version: event.version,
      etag: event.etag,
      patch: event.patch,
      author: event.author,
      at: event.at,
      ...(event.title === undefined ? {} : { title: event.title }),
      ...(event.clientEditId === undefined ? {} : { clientEditId: event.clientEditId }),
    };
    const room = this.server.to(roomFor(event.documentId));
    // `except` is adapter-level, so the Redis adapter honours it on every instance.
    (event.originSocketId ? room.except(event.originSocketId) : room).emit('edit', broadcast);
    this.metrics.observeBroadcast(event.at);
  }

  /**
   * An account deleted here: its sockets close and its tokens are refused on every instance at
   * once (without Redis this instance is the only one), instead of when their verified-user
   * cache expires. A client that reconnects is refused `unauthorized`.
   */
  @OnEvent(ACCOUNT_DELETED)
  onAccountDeleted(event: AccountDeletedEvent): void {
    this.endSessionsEverywhere(event.userId);
  }

  /**
   * Signed out everywhere or a new password: the same for the sockets opened with the account's
   * older tokens. A socket already opened with the new token (a client quick to reconnect, on
   * an instance the notice reaches late) stays.
   */
  @OnEvent(SESSIONS_REVOKED)
  onSessionsRevoked(event: SessionsRevokedEvent): void {
    this.endSessionsEverywhere(event.userId, event.tokenGeneration);
  }

  private endSessionsEverywhere(userId: string, belowGeneration?: number): void {
    this.endSessionsOf(userId, belowGeneration);
    if (this.redis.url !== undefined) {
      this.server.serverSideEmit('sessions-ended', userId, belowGeneration ?? null);
    }
  }

  /**
   * The account is gone or its tokens revoked: check its tokens afresh and close, on this
   * instance, its sockets (those of a token generation below `belowGeneration`, when given).
   */
  private endSessionsOf(userId: string, belowGeneration?: number): void {
    this.auth.forgetUser(userId);
    for (const socket of this.server.sockets.sockets.values()) {
      if (socket.data.user?.id !== userId) continue;
      if (belowGeneration === undefined || (socket.data.tokenGeneration ?? 0) < belowGeneration) {
        socket.disconnect(true);
      }
    }
  }

  /**
   * A new display name: the user's open sockets carry it from now on (in cursors and the edits
   * they send), and the rooms they are in get a fresh presence list, on every instance.
   */
  @OnEvent(PROFILE_CHANGED)
  onProfileChanged(event: ProfileChangedEvent): void {
    this.applyProfile(event.user);
    if (this.redis.url !== undefined) this.server.serverSideEmit('profile-changed', event.user);
  }

  private applyProfile(user: UserSummary): void {
    this.auth.forgetUser(user.id);
    const documentIds = new Set<string>();
    for (const socket of this.server.sockets.sockets.values()) {
      if (socket.data.user?.id !== user.id) continue;
      socket.data.user = { id: user.id, username: user.username, displayName: user.displayName };
      for (const room of socket.rooms) {
        const documentId = documentIdOfRoom(room);
        if (documentId !== undefined) documentIds.add(documentId);
      }
    }
    for (const documentId of documentIds) {
      this.sessions.broadcastPresence(this.server, documentId).catch((error: unknown) => {
        this.logger.warn(`presence after a profile change in ${documentId} failed: ${String(error)}`);
      });
    }
  }

  /**
   * A member's role changed or they were removed: their sockets in the room hear it at once, on
   * every instance. A removed member's sockets leave the room here, synchronously, so no edit
   * committed after the removal reaches them.
   */
  @OnEvent(MEMBERSHIP_CHANGED)
  onMembershipChanged(event: MembershipChangedEvent): void {
    this.applyMembershipChange(event);
    if (this.redis.url !== undefined) {
      this.server.serverSideEmit('membership-changed', event.documentId, event.userId, event.role, event.by);
    }
  }

  private applyMembershipChange({ documentId, userId, role, by }: MembershipChangedEvent): void {
    const affected: ConcordSocket[] = [];
    for (const socketId of this.server.sockets.adapter.rooms.get(roomFor(documentId)) ?? []) {
      const socket = this.server.sockets.sockets.get(socketId);
      // Not twice: this instance's periodic check may have told it already.
      if (socket?.data.user?.id === userId && socket.data.roles?.[documentId] !== role) affected.push(socket);
    }
    for (const socket of affected) this.tellAccess(socket, documentId, role, by);
    if (role === null && affected.length > 0) this.presenceAfterRemoval(documentId);
  }

  /** A socket's role in a joined document is now `role` (null: removed, it leaves the room). */
  private tellAccess(
    socket: ConcordSocket,
    documentId: string,
    role: MemberRole | null,
    by: UserSummary,
  ): void {
    // The in-memory adapter (and the Redis one, which extends it) leaves synchronously.
    if (role === null) {
      void socket.leave(roomFor(documentId));
      delete socket.data.roles?.[documentId];
    } else {
      socket.data.roles = { ...socket.data.roles, [documentId]: role };
    }
    socket.emit('access', {
      documentId,
      role,
      by: { id: by.id, username: by.username, displayName: by.displayName },
    });
  }

  private presenceAfterRemoval(documentId: string): void {
    this.sessions.broadcastPresence(this.server, documentId).catch((error: unknown) => {
      this.logger.warn(`presence after removing a member of ${documentId} failed: ${String(error)}`);
    });
  }

  /**
   * Notices between instances travel over Redis pub/sub, which delivers at most once: one sent
   * while Redis was away is lost, and with it a revoked session's close or a removed member's
   * leaving the room on this instance. So, with Redis, every `reconcileIntervalMs` this instance
   * re-reads the accounts and memberships behind its own sockets (two queries) and does what a
   * lost notice would have done: closes the sockets of deleted accounts and revoked tokens, takes
   * a new display name up, and tells a socket of a role it has not heard of (a removed member
   * leaves the room). A change is thus applied everywhere within that interval, notice or not.
   */
  private async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      // What each socket knows now. A notice handled while the queries run is newer than their
      // answers: a socket whose name or role changed meanwhile is left as it is (until next time).
      const known = [...this.server.sockets.sockets.values()].flatMap((socket) =>
        socket.data.user === undefined
          ? []
          : [
              {
                socket,
                user: socket.data.user,
                roles: [...socket.rooms].flatMap((room) => {
                  const documentId = documentIdOfRoom(room);
                  return documentId === undefined
                    ? []
                    : [{ documentId, role: socket.data.roles?.[documentId] ?? null }];
                }),
              },
            ],
      );
      if (known.length === 0) return;
      const userIds = [...new Set(known.map(({ user }) => user.id))];
      const accounts = await this.auth.accountsNow(userIds);
      const renamed = new Map<string, UserSummary>();
      const open = known.filter(({ socket, user }) => {
        if (socket.disconnected) return false;
        const account = accounts.get(user.id);
        if (account === undefined || (socket.data.tokenGeneration ?? 0) < account.tokenGeneration) {
          this.auth.forgetUser(user.id);
          socket.disconnect(true);
          return false;
        }
        if (account.user.displayName !== user.displayName && socket.data.user === user) {
          renamed.set(user.id, account.user);
        }
        return true;
      });
      for (const user of renamed.values()) this.applyProfile(user);

      const documentIds = [
        ...new Set(open.flatMap(({ roles }) => roles.map(({ documentId }) => documentId))),
      ];
      if (documentIds.length === 0) return;
      const now = await this.members.membershipsNow(documentIds, userIds);
      const emptied = new Set<string>();
      for (const { socket, user, roles } of open) {
        for (const { documentId, role: knownRole } of roles) {
          const room = roomFor(documentId);
          if (
            socket.disconnected ||
            !socket.rooms.has(room) ||
            (socket.data.roles?.[documentId] ?? null) !== knownRole
          ) {
            continue;
          }
          const owner = now.owners.get(documentId);
          if (owner === undefined) {
            // Deleted (its lost notice named title and version, gone with it): no more edits can
            // reach the room; the client's next request about it is answered 404.
            void socket.leave(room);
            delete socket.data.roles?.[documentId];
            continue;
          }
          const role = now.roles.get(`${documentId}:${user.id}`) ?? null;
          if (role === knownRole) continue;
          // Only the owner changes others' roles; a member who left on another instance hears it
          // from the owner too: which of the two it was is in the lost notice, not the database.
          this.tellAccess(socket, documentId, role, owner);
          if (role === null) emptied.add(documentId);
        }
      }
      for (const documentId of emptied) this.presenceAfterRemoval(documentId);
    } catch (error) {
      this.logger.warn(`checking this instance's sockets against the database failed: ${String(error)}`);
    } finally {
      this.reconciling = false;
    }
  }

  @OnEvent(DOCUMENT_STATE)
  onDocumentState(event: DocumentStateEvent): void {
    const room = roomFor(event.documentId);
    this.server.to(room).emit('document', {
      documentId: event.documentId,
      state: event.state,
      title: event.title,
      version: event.version,
      etag: event.etag,
    });
    // A deleted document has no session left: empty its room on every instance.
    if (event.state === 'deleted') this.server.in(room).socketsLeave(room);
  }

  private async authenticate(auth: Record<string, unknown>): Promise<UserSummary> {
    const token = auth.token;
    if (typeof token !== 'string' || token.length === 0) throw new Error('unauthorized');
    try {
      return await this.auth.verifyToken(token);
    } catch (error) {
      // A bad token is the client's problem; a failing database is ours and must not be
      // reported as "unauthorized" (the client would drop a perfectly good token).
      if (error instanceof ProblemError && error.status === 401) throw new Error('unauthorized');
      // The database restarting is expected, not a bug: no stack, and the client may retry.
      if ((error instanceof ProblemError && error.status === 503) || isDatabaseUnavailableError(error)) {
        throw new Error('service_unavailable');
      }
      this.logger.error(
        `socket handshake failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      throw new Error('internal_error');
    }
  }

  /**
   * Registers one client event: rate check, schema validation, handler, and exactly one ack,
   * whatever happens. Payloads are `unknown` here on purpose: a client can send anything.
   */
  private on<P, T extends Ack<object>>(
    socket: ConcordSocket,
    event: 'join' | 'leave' | 'edit' | 'cursor',
    schema: ZodType<P>,
    handler: (payload: P) => Promise<T>,
    admit: () => AckFailure | undefined = () => undefined,
  ): void {
    socket.on(event, (...args: unknown[]) => {
      // `emit('join', ack)` with no payload puts the ack first.
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as AckCallback<T | AckFailure>) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      const respond = (response: T | AckFailure): void => ack?.(response);

      const refused = admit();
      if (refused) return respond(refused);
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return respond(validationFailure(parsed.error));
      // Through a promise so a handler that throws synchronously is acked like one that rejects.
      Promise.resolve(parsed.data)
        .then(handler)
        .then(respond, (error: unknown) => respond(toAckFailure(error, this.logger, event)));
    });
  }
}
