/**
 * The audit_log table: who changed what and when, newest first, paged by a cursor.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import { service } from '../../core/service.ts';

export interface AuditEntry {
  /** Position in the log, increasing. */
  seq: number;
  at: Date;
  /** Undefined when the caller was not known (a refused request). */
  actor?: { id: string; name: string };
  /** `POST /v1/keys`, `keys revoke` (the CLI), `sign-in`. */
  action: string;
  route: string;
  targets: string[];
  status: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'at'> & { at?: Date };

export interface AuditQuery {
  actor?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this one (the `next` of the previous page). */
  before?: number;
  limit: number;
}

interface AuditRow {
  seq: string | number;
  at: Date;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  route: string;
  targets: string[];
  status: number;
}

const entryOf = (r: AuditRow): AuditEntry => ({
  seq: Number(r.seq),
  at: new Date(r.at),
  ...(r.actor_id !== null && { actor: { id: r.actor_id, name: r.actor_name ?? '' } }),
  action: r.action,
  route: r.route,
  targets: r.targets,
  status: r.status,
});

export class AuditStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async record(entry: NewAuditEntry): Promise<void> {
    await this.#sql.query(
      'INSERT INTO audit_log (at, actor_id, actor_name, action, route, targets, status) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [entry.at ?? new Date(), entry.actor?.id ?? null, entry.actor?.name ?? null, entry.action, entry.route, entry.targets, entry.status],
    );
  }

  /** Newest first; `next` is there when older entries match too. `actor` matches a key id or name. */
  async list(query: AuditQuery): Promise<{ entries: AuditEntry[]; next?: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replaceAll('$?', `$${params.length}`));
    };
    if (query.actor !== undefined) add('(actor_id = $? OR actor_name = $?)', query.actor);
    if (query.from) add('at >= $?', query.from);
    if (query.to) add('at < $?', query.to);
    if (query.before !== undefined) add('seq < $?', query.before);
    params.push(query.limit + 1);
    const { rows } = await this.#sql.query<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const entries = rows.slice(0, query.limit).map(entryOf);
    return { entries, ...(rows.length > query.limit && { next: entries.at(-1)!.seq }) };
  }
}

export const AUDIT = service<AuditStore>('audit');
