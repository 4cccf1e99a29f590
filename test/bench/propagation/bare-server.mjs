#!/usr/bin/env node
// The floor: a bare socket.io server that re-broadcasts each edit to the room and does no other
// work (no auth, no database, no merge). It speaks just enough of CONTRACT §3 (join, edit with
// ack, edit broadcast with a per-room version) for the propagation harness to drive it exactly
// like Concord. Prints `listening <port>` once ready; exits on SIGTERM.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
const versions = new Map();

io.on('connection', (socket) => {
  socket.on('join', async (payload, ack) => {
    await socket.join(payload.documentId);
    const version = versions.get(payload.documentId) ?? 1;
    ack({ ok: true, document: { id: payload.documentId, content: '', version }, presence: [] });
  });
  socket.on('edit', (payload, ack) => {
    const version = (versions.get(payload.documentId) ?? 1) + 1;
    versions.set(payload.documentId, version);
    socket.to(payload.documentId).emit('edit', {
      documentId: payload.documentId,
      baseVersion: version - 1,
      version,
      etag: `"${payload.documentId}.v${version}"`,
      patch: payload.patch,
      author: { id: 'bare', username: 'bare', displayName: 'bare' },
      at: new Date().toISOString(),
      clientEditId: payload.clientEditId,
    });
    ack({ ok: true, version, etag: `"${payload.documentId}.v${version}"` });
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
