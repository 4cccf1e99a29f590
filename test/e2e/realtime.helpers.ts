// Helpers for the live-channel suites: real socket.io clients, typed by the shared event maps.
import {
  ACK_SCHEMAS,
  type ClientToServerEvents,
  SERVER_EVENT_SCHEMAS,
  type ServerToClientEvents,
} from '@concord/shared';
import { io, type Socket } from 'socket.io-client';
import type { ZodType } from 'zod';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type ServerEvent = keyof ServerToClientEvents;
export type ServerPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];
type ClientEvent = keyof ClientToServerEvents;
export type ClientPayload<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
export type AckOf<E extends ClientEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

const sockets = new Set<ClientSocket>();

/** What the server sent off the shared schemas since the last closeAllClients, one line each. */
const violations: string[] = [];

/** Why `payload` breaks the shared protocol schema of `what`, or undefined when it conforms. */
function protocolViolation(what: string, schema: ZodType | undefined, payload: unknown): string | undefined {
  if (schema === undefined) return `${what}: no such event in the protocol`;
  const parsed = schema.safeParse(payload);
  if (parsed.success) return undefined;
  return `${what}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`;
}

function eventViolation(event: string, payload: unknown): string | undefined {
  const schema = (SERVER_EVENT_SCHEMAS as Record<string, ZodType>)[event];
  return protocolViolation(`'${event}' event`, schema, payload);
}

/** Connects (websocket only, no reconnection: tests reconnect explicitly) and resolves once in. */
export function connectClient(
  url: string,
  token: string | undefined,
  extra: { origin?: string } = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: extra.origin ? { origin: extra.origin } : undefined,
  });
  sockets.add(socket);
  // Every event the server sends is held against the shared protocol schemas (reported by closeAllClients).
  socket.onAny((event: string, payload: unknown) => {
    const violation = eventViolation(event, payload);
    if (violation !== undefined) violations.push(violation);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/**
 * Closes every socket the suite opened (afterEach/afterAll), so Jest exits cleanly, and fails
 * the hook if the server sent any event off the shared protocol schemas meanwhile.
 */
export function closeAllClients(): void {
  for (const socket of sockets) socket.close();
  sockets.clear();
  const seen = violations.splice(0);
  if (seen.length > 0) throw new Error(`protocol conformance: ${seen.join('\n')}`);
}

/** Emits `event` and resolves with its ack, failing when the ack is off the shared protocol schema. */
export async function send<E extends ClientEvent>(
  socket: ClientSocket,
  event: E,
  payload: ClientPayload<E>,
  timeoutMs = 10_000,
): Promise<AckOf<E>> {
  const emit = socket.timeout(timeoutMs).emitWithAck as (
    event: E,
    payload: ClientPayload<E>,
  ) => Promise<AckOf<E>>;
  const ack = await emit.call(socket.timeout(timeoutMs), event, payload);
  const violation = protocolViolation(`'${event}' ack`, ACK_SCHEMAS[event], ack);
  if (violation !== undefined) throw new Error(`protocol conformance: ${violation}`);
  return ack;
}

/** Records every `event` the socket receives, in order. */
export function record<E extends ServerEvent>(socket: ClientSocket, event: E): ServerPayload<E>[] {
  const seen: ServerPayload<E>[] = [];
  const listener = (payload: ServerPayload<E>): void => {
    seen.push(payload);
  };
  (socket.on as (event: E, listener: (payload: ServerPayload<E>) => void) => void).call(
    socket,
    event,
    listener,
  );
  return seen;
}

/** The next `event` matching `predicate`, or a rejection naming what never came. */
export function nextEvent<E extends ServerEvent>(
  socket: ClientSocket,
  event: E,
  predicate: (payload: ServerPayload<E>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ServerPayload<E>> {
  type Listener = (payload: ServerPayload<E>) => void;
  const on = socket.on as (event: E, listener: Listener) => void;
  const off = socket.off as (event: E, listener: Listener) => void;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off.call(socket, event, listener);
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener: Listener = (payload) => {
      const violation = eventViolation(event, payload);
      if (violation !== undefined) {
        clearTimeout(timer);
        off.call(socket, event, listener);
        reject(new Error(`protocol conformance: ${violation}`));
        return;
      }
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off.call(socket, event, listener);
      resolve(payload);
    };
    on.call(socket, event, listener);
  });
}

/** Waits `ms` to prove a negative (an event that must not arrive) after the positives landed. */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
