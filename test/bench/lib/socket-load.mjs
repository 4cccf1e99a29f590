// socket.io clients for the two-instance and memory benchmarks: connect in batches, and a
// "typist" that owns one document and sends sequential edits (each made against its last
// acknowledged version, so no merge and no conflict is involved) while receivers record
// every broadcast with its latency and check that nothing is lost, duplicated or reordered.
import { performance } from 'node:perf_hooks';
import { makePatch } from '@concord/shared';
import { io } from 'socket.io-client';
import { inBatches, sleep } from './concord-server.mjs';

export function connect(url, token) {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connect to ${url} timed out`)), 30_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

export async function connectMany(count, url, token, batch = 50) {
  return inBatches([...Array(count).keys()], batch, () => connect(url, token));
}

export async function join(socket, documentId) {
  const ack = await socket.timeout(30_000).emitWithAck('join', { documentId });
  if (!ack.ok) throw new Error(`join refused: ${ack.error?.code}`);
  return ack;
}

/** A receiver: records (version, latency) of every edit broadcast of its document. */
export class Receiver {
  constructor(socket, documentId, sentAt, label) {
    Object.assign(this, { socket, documentId, sentAt, label });
    this.versions = [];
    this.latencies = [];
    socket.on('edit', (edit) => {
      if (edit.documentId !== this.documentId) return;
      const now = performance.now();
      const sent = this.sentAt.get(edit.clientEditId);
      if (sent !== undefined) this.latencies.push(now - sent);
      this.versions.push(edit.version);
    });
  }
}

/** Sends an edit (a new line at the end) every 1000/rate ms, one in flight, against its last acked version. */
export class Typist {
  constructor(socket, documentId, version, text, sentAt, id) {
    Object.assign(this, { socket, documentId, version, text, sentAt, id });
    this.acked = [];
    this.errors = [];
    this.sequence = 0;
    this.busy = false;
  }

  async edit() {
    if (this.busy) return;
    this.busy = true;
    this.sequence += 1;
    const clientEditId = `${this.id}:${this.sequence}`;
    const next = `${this.text}line ${clientEditId}\n`;
    const patch = makePatch(this.text, next);
    this.sentAt.set(clientEditId, performance.now());
    try {
      const ack = await this.socket.timeout(30_000).emitWithAck('edit', { documentId: this.documentId, baseVersion: this.version, patch, clientEditId });
      if (ack.ok) {
        this.text = next;
        this.version = ack.version;
        this.acked.push(ack.version);
      } else {
        this.errors.push(`${ack.error.status} ${ack.error.code}`);
      }
    } catch (error) {
      this.errors.push(String(error.message ?? error));
    } finally {
      this.busy = false;
    }
  }

  /** Types for `seconds` at `rate` edits/s from a random phase, then waits for its last ack. */
  async typeFor(seconds, rate) {
    const interval = 1000 / rate;
    await sleep(Math.random() * interval);
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const started = performance.now();
      void this.edit();
      await sleep(Math.max(0, interval - (performance.now() - started)));
    }
    while (this.busy) await sleep(5);
  }
}

/** Lost, duplicated and out-of-order deliveries of a receiver against its typist's acked versions. */
export function checkDelivery(receiver, typist) {
  const got = new Set(receiver.versions);
  let lost = 0;
  for (const version of typist.acked) if (!got.has(version)) lost += 1;
  let reordered = 0;
  for (let i = 1; i < receiver.versions.length; i += 1) if (receiver.versions[i] <= receiver.versions[i - 1]) reordered += 1;
  return { lost, reordered, duplicated: receiver.versions.length - got.size };
}

/** Waits until every receiver has as many deliveries as its typist has acks (bounded). */
export async function settle(pairs, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pairs.every(({ receiver, typist }) => receiver.versions.length >= typist.acked.length)) return;
    await sleep(20);
  }
}
