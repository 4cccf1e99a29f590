import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * Makes everything `socket` is given to write in one tick leave in one `writev` at the end of
 * that tick. One edit is an ack to its sender and a broadcast frame to every other member of
 * the room, and a group commit sends several of them at once: written one by one, each frame
 * is a system call of its own, the largest single cost of a busy server (a quarter of its CPU
 * in the propagation benchmark). The delay is one tick; the order of the bytes is unchanged
 * (Writable.cork/uncork).
 */
export function coalesceWritesPerTick(socket: Duplex): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Duplex['write'];
}

/**
 * engine.io's WebSocket server (its `wsEngine` option): `ws` itself, with the writes of every
 * accepted connection coalesced per tick. A refused handshake is left as `ws` answers it.
 */
export class CoalescingWebSocketServer extends WebSocketServer {
  override handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: (client: WebSocket, request: IncomingMessage) => void,
  ): void {
    super.handleUpgrade(request, socket, head, (client, upgraded) => {
      coalesceWritesPerTick(socket);
      callback(client, upgraded);
    });
  }
}
