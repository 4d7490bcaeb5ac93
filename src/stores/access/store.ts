/**
 * The api_keys and browser_sessions tables. Neither keeps a secret: a key and a session
 * token are stored as their SHA-256 (platform/credentials.ts says why that is enough).
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import { service } from '../../core/service.ts';
import type { Role } from '../../platform/access.ts';

export interface KeyRecord {
  id: string;
  name: string;
  role: Role;
  /** Undefined: every mission. */
  missions?: string[];
  createdAt: Date;
  createdBy: string;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

export interface NewKey {
  id: string;
  name: string;
  role: Role;
  missions?: string[];
  hash: string;
  createdBy: string;
}

export interface SessionRecord {
  keyId: string;
  csrfToken: string;
  expiresAt: Date;
}

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  missions: string[] | null;
  hash: string;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const keyOf = (r: KeyRow): KeyRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  ...(r.missions && { missions: r.missions }),
  createdAt: new Date(r.created_at),
  createdBy: r.created_by,
  ...(r.revoked_at && { revokedAt: new Date(r.revoked_at) }),
  ...(r.last_used_at && { lastUsedAt: new Date(r.last_used_at) }),
});

export class AccessStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    const { rows } = await this.#sql.query<KeyRow>(
      'INSERT INTO api_keys (id, name, role, missions, hash, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [key.id, key.name, key.role, key.missions?.length ? key.missions : null, key.hash, key.createdBy],
    );
    return keyOf(rows[0]!);
  }

  /** Every key, revoked ones included (they explain old audit entries), newest first. */
  async listKeys(): Promise<KeyRecord[]> {
    const { rows } = await this.#sql.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id');
    return rows.map(keyOf);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const { rows } = await this.#sql.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return rows[0] && keyOf(rows[0]);
  }

  /** The key with this id and its stored hash, for verification; undefined when there is none. */
  async keyWithHash(id: string): Promise<{ key: KeyRecord; hash: string } | undefined> {
    const { rows } = await this.#sql.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return rows[0] && { key: keyOf(rows[0]), hash: rows[0].hash };
  }

  /**
   * Revokes a key and ends its browser sessions, in one transaction. Revoking a revoked
   * key keeps its first revocation time. Undefined for an unknown id.
   */
  async revokeKey(id: string, at: Date = new Date()): Promise<KeyRecord | undefined> {
    return this.#sql.transaction(async (tx) => {
      const { rows } = await tx.query<KeyRow>('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *', [id, at]);
      if (!rows[0]) return undefined;
      await tx.query('DELETE FROM browser_sessions WHERE key_id = $1', [id]);
      return keyOf(rows[0]);
    });
  }

  async touchKey(id: string, at: Date): Promise<void> {
    await this.#sql.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [id, at]);
  }

  async createSession(tokenHash: string, session: SessionRecord): Promise<void> {
    await this.#sql.query('INSERT INTO browser_sessions (token_hash, key_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)', [tokenHash, session.keyId, session.csrfToken, session.expiresAt]);
  }

  /** A session that has not expired; undefined otherwise. */
  async getSession(tokenHash: string, now: Date = new Date()): Promise<SessionRecord | undefined> {
    const { rows } = await this.#sql.query<{ key_id: string; csrf_token: string; expires_at: Date }>(
      'SELECT key_id, csrf_token, expires_at FROM browser_sessions WHERE token_hash = $1 AND expires_at > $2',
      [tokenHash, now],
    );
    const row = rows[0];
    return row && { keyId: row.key_id, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) };
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return (await this.#sql.query('DELETE FROM browser_sessions WHERE token_hash = $1', [tokenHash])).rowCount > 0;
  }

  /** Drops sessions that expired before `now`; resolves with how many. */
  async expireSessions(now: Date = new Date()): Promise<number> {
    return (await this.#sql.query('DELETE FROM browser_sessions WHERE expires_at <= $1', [now])).rowCount;
  }
}

export const ACCESS_STORE = service<AccessStore>('access-store');
