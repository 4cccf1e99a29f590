#!/usr/bin/env node
// The Hocuspocus baseline server of the propagation benchmark: @hocuspocus/server 3.x with no
// extensions (in-memory Yjs documents, no persistence, no auth). Prints `listening <port>`.
import { Server } from '@hocuspocus/server';

const server = new Server({ port: Number(process.env.PORT ?? 0), address: '127.0.0.1', quiet: true, stopOnSignals: true });
await server.listen();
console.log(`listening ${server.address.port}`);
