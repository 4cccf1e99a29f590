import { once } from 'node:events';
import { type IncomingMessage, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { CoalescingWebSocketServer, coalesceWritesPerTick } from './coalescing-websocket-server';

/** A stream that records the batches it is asked to write. */
function recordingStream(): { stream: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Writable({
    writev(chunks, callback) {
      batches.push(chunks.map(({ chunk }) => String(chunk)));
      callback();
    },
    write(chunk, _encoding, callback) {
      batches.push([String(chunk)]);
      callback();
    },
  });
  return { stream, batches };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesceWritesPerTick', () => {
  it('sends the writes of one tick as one batch, in order, at the end of the tick', async () => {
    const { stream, batches } = recordingStream();
    coalesceWritesPerTick(stream as never);
    stream.write('a');
    stream.write('b');
    stream.write('c');
    expect(batches).toEqual([]);
    await nextTick();
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('starts a new batch in the next tick', async () => {
    const { stream, batches } = recordingStream();
    coalesceWritesPerTick(stream as never);
    stream.write('a');
    await nextMacrotask();
    stream.write('b');
    stream.write('c');
    await nextMacrotask();
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('calls every write callback and keeps nested cork/uncork pairs working', async () => {
    const { stream, batches } = recordingStream();
    coalesceWritesPerTick(stream as never);
    const done: string[] = [];
    // ws's own frame writer corks around the header and payload of one frame.
    stream.cork();
    stream.write('header', () => done.push('header'));
    stream.write('payload', () => done.push('payload'));
    stream.uncork();
    stream.write('next', () => done.push('next'));
    await nextMacrotask();
    expect(batches).toEqual([['header', 'payload', 'next']]);
    expect(done).toEqual(['header', 'payload', 'next']);
  });

  it('lets end() flush what the tick wrote', async () => {
    const { stream, batches } = recordingStream();
    coalesceWritesPerTick(stream as never);
    stream.write('last');
    stream.end();
    await once(stream, 'finish');
    expect(batches).toEqual([['last']]);
  });
});

describe('CoalescingWebSocketServer', () => {
  it('speaks WebSocket: messages of one tick arrive whole and in order', async () => {
    const http = createServer();
    const wss = new CoalescingWebSocketServer({ noServer: true });
    http.on('upgrade', (request, socket, head) => {
      wss.handleUpgrade(request, socket, head, (client) => {
        for (let i = 0; i < 50; i++) client.send(`message ${i}`);
        client.close();
      });
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const { port } = http.address() as AddressInfo;
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      const received: string[] = [];
      client.on('message', (data: Buffer) => received.push(data.toString()));
      const [code] = (await once(client, 'close')) as [number];
      expect(code).toBe(1005);
      expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i}`));
    } finally {
      wss.close();
      http.close();
    }
  });

  it('still answers a refused handshake before closing the connection', async () => {
    const http = createServer();
    const wss = new CoalescingWebSocketServer({ noServer: true });
    http.on('upgrade', (request, socket, head) => {
      wss.handleUpgrade(request, socket, head, () => {
        throw new Error('a refused handshake never gets here');
      });
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const { port } = http.address() as AddressInfo;
      // No Sec-WebSocket-Key: ws refuses the handshake with 400.
      const request = get({
        host: '127.0.0.1',
        port,
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      const [response] = (await once(request, 'response')) as [IncomingMessage];
      expect(response.statusCode).toBe(400);
    } finally {
      wss.close();
      http.close();
    }
  });
});
