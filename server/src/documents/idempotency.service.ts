import type { UserSummary } from '@concord/shared';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ProblemError } from '../common/problem.error';
import { execute, select } from './document-rows';

/** A response kept for replay: status, the headers that matter (Location, ETag) and the body. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type IdempotencyStart = { kind: 'proceed' } | { kind: 'replay'; response: StoredResponse };

interface KeyRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: unknown;
}

/** Keys live 24 hours (IETF httpapi Idempotency-Key draft: the server says how long). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key on POST /api/documents, scoped per user. A 'pending' row is inserted first
 * under the (user_id, key) primary key, so of two concurrent requests with one key exactly one
 * runs; the other sees 'pending' (409 idempotency_in_flight) or the stored response (replay).
 * Only successful responses are stored; a failed attempt releases its key so it can be retried.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  static hashBody(body: unknown): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  static validateKey(key: string): void {
    if (!KEY_PATTERN.test(key)) {
      throw new ProblemError(
        'bad_request',
        400,
        'Idempotency-Key must be 1 to 255 visible ASCII characters.',
      );
    }
  }

  async start(user: UserSummary, key: string, requestHash: string): Promise<IdempotencyStart> {
    const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2`, [
      user.id,
      cutoff,
    ]);
    const inserted = await select<{ key: string }>(
      this.dataSource.manager,
      `INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at)
       VALUES ($1, $2, $3, 'pending', $4)
       ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
      [user.id, key, requestHash, new Date()],
    );
    if (inserted.length === 1) return { kind: 'proceed' };
    const [row] = await select<KeyRow>(
      this.dataSource.manager,
      `SELECT request_hash, state, status, headers, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [user.id, key],
    );
    // Released between our insert and our read: the caller may simply retry.
    if (row === undefined) return this.start(user, key, requestHash);
    if (row.request_hash !== requestHash) {
      throw new ProblemError(
        'idempotency_key_mismatch',
        422,
        'This Idempotency-Key was already used with a different request body.',
      );
    }
    if (row.state === 'pending' || row.status === null) {
      throw new ProblemError(
        'idempotency_in_flight',
        409,
        'A request with this Idempotency-Key is still being processed; retry after it finishes.',
        { headers: { 'Retry-After': '1' } },
      );
    }
    return { kind: 'replay', response: { status: row.status, headers: row.headers ?? {}, body: row.body } };
  }

  async complete(user: UserSummary, key: string, response: StoredResponse): Promise<void> {
    await execute(
      this.dataSource.manager,
      `UPDATE idempotency_keys SET state = 'done', status = $3, headers = $4, body = $5
        WHERE user_id = $1 AND key = $2 AND state = 'pending'`,
      [user.id, key, response.status, JSON.stringify(response.headers), JSON.stringify(response.body)],
    );
  }

  async release(user: UserSummary, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'pending'`,
      [user.id, key],
    );
  }
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
