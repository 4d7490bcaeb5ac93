/**
 * The idempotency_keys table: one row per (scope, key), the hash of the request that took
 * it, and the answer once there is one (platform/idempotency.ts says what they mean).
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import { service } from '../../core/service.ts';
import type { Claim, IdempotencyRecords, StoredAnswer } from '../../platform/idempotency.ts';

interface KeyRow {
  request_hash: string;
  status: number | null;
  response: { body: unknown; headers?: Record<string, string> } | null;
  created_at: Date;
}

export class IdempotencyStore implements IdempotencyRecords {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async claim(scope: string, key: string, requestHash: string, since: Date): Promise<Claim> {
    // A key kept past its time is free again.
    await this.#sql.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at < $3', [scope, key, since]);
    const inserted = await this.#sql.query('INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (scope, key) DO NOTHING RETURNING 1', [scope, key, requestHash]);
    if (inserted.rows.length) return { kind: 'new' };
    const [row] = (await this.#sql.query<KeyRow>('SELECT request_hash, status, response, created_at FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key])).rows;
    // Released between the insert and the read: the client's next try takes it.
    if (!row) return { kind: 'in-progress' };
    if (row.request_hash !== requestHash) return { kind: 'other-body' };
    if (row.status === null || !row.response) return { kind: 'in-progress' };
    return { kind: 'answered', answer: { status: row.status, body: row.response.body, ...(row.response.headers && { headers: row.response.headers }) } };
  }

  async complete(scope: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.#sql.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE scope = $1 AND key = $2', [scope, key, answer.status, JSON.stringify({ body: answer.body, headers: answer.headers })]);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.#sql.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]);
  }

  /** Drops keys taken before `since`; resolves with how many. */
  async expire(since: Date): Promise<number> {
    const { rows } = await this.#sql.query('DELETE FROM idempotency_keys WHERE created_at < $1 RETURNING 1', [since]);
    return rows.length;
  }
}

export const IDEMPOTENCY = service<IdempotencyStore>('idempotency');
