/**
 * Alerts and their transitions in the relational store. Every change is one
 * transaction that updates the alert and appends its transition, so the history
 * always explains the current state.
 */
import { randomUUID } from 'node:crypto';
import type { SqlExecutor, SqlStore } from '../../engines/sql/port.ts';
import type { Alert, AlertRule, AlertState, Severity } from '../../core/schemas.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';

interface AlertRow {
  id: string; spacecraft_id: string; channel: string; rule: AlertRule; severity: Severity; state: AlertState;
  value: number | null; threshold: number | null; message: string; opened_at: Date; updated_at: Date;
  resolved_at: Date | null; acknowledged_by: string | null;
}
interface TransitionRow { at: Date; from_state: AlertState | null; to_state: AlertState; severity: Severity; value: number | null; by: string | null; comment: string | null }

const alertOf = (r: AlertRow): Alert => ({
  id: r.id, spacecraft: r.spacecraft_id, channel: r.channel, rule: r.rule, severity: r.severity, state: r.state,
  value: r.value, threshold: r.threshold, message: r.message, openedAt: toIso(r.opened_at), updatedAt: toIso(r.updated_at),
  ...(r.resolved_at && { resolvedAt: toIso(r.resolved_at) }),
  ...(r.acknowledged_by && { acknowledgedBy: r.acknowledged_by }),
});

export interface AlertChange {
  alert: Alert;
  from: AlertState | null;
  to: AlertState;
  at: number;
}

export interface AlertQuery {
  state?: AlertState;
  spacecraft?: string;
  severity?: Severity;
  channel?: string;
  limit: number;
}

export class AlertStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async #transition(tx: SqlExecutor, alertId: string, t: { at: number; from: AlertState | null; to: AlertState; severity: Severity; value: number | null; by?: string; comment?: string }) {
    await tx.query(
      `INSERT INTO alert_transitions (alert_id, seq, at, from_state, to_state, severity, value, by, comment)
       SELECT $1, coalesce(max(seq), 0) + 1, to_timestamp($2 / 1000.0), $3, $4, $5, $6, $7, $8 FROM alert_transitions WHERE alert_id = $1`,
      [alertId, t.at, t.from, t.to, t.severity, t.value, t.by ?? null, t.comment ?? null],
    );
  }

  /** Alerts not resolved yet, for an analyzer picking up where it left off. */
  async active(): Promise<Alert[]> {
    const { rows } = await this.#sql.query<AlertRow>(`SELECT * FROM alerts WHERE state <> 'resolved'`);
    return rows.map(alertOf);
  }

  async open(a: { spacecraft: string; channel: string; rule: AlertRule; severity: Severity; value: number | null; threshold: number | null; message: string; at: number }): Promise<AlertChange> {
    return this.#sql.transaction(async (tx) => {
      const id = randomUUID();
      const { rows } = await tx.query<AlertRow>(
        `INSERT INTO alerts (id, spacecraft_id, channel, rule, severity, state, value, threshold, message, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, to_timestamp($9 / 1000.0), to_timestamp($9 / 1000.0)) RETURNING *`,
        [id, a.spacecraft, a.channel, a.rule, a.severity, a.value, a.threshold, a.message, a.at],
      );
      await this.#transition(tx, id, { at: a.at, from: null, to: 'open', severity: a.severity, value: a.value });
      return { alert: alertOf(rows[0]!), from: null, to: 'open', at: a.at };
    });
  }

  /** A new severity re-opens an acknowledged alert: operators must see an escalation. */
  async changeSeverity(id: string, severity: Severity, value: number | null, threshold: number | null, message: string, at: number): Promise<AlertChange | undefined> {
    return this.#sql.transaction(async (tx) => {
      const before = (await tx.query<AlertRow>(`SELECT * FROM alerts WHERE id = $1 AND state <> 'resolved' FOR UPDATE`, [id])).rows[0];
      if (!before) return undefined;
      const escalated = severity === 'critical' && before.severity === 'warning';
      const to: AlertState = escalated ? 'open' : before.state;
      const { rows } = await tx.query<AlertRow>(
        `UPDATE alerts SET severity = $2, state = $3, value = $4, threshold = $5, message = $6, updated_at = to_timestamp($7 / 1000.0) WHERE id = $1 RETURNING *`,
        [id, severity, to, value, threshold, message, at],
      );
      await this.#transition(tx, id, { at, from: before.state, to, severity, value });
      return { alert: alertOf(rows[0]!), from: before.state, to, at };
    });
  }

  async resolve(id: string, value: number | null, at: number, comment?: string): Promise<AlertChange | undefined> {
    return this.#sql.transaction(async (tx) => {
      const before = (await tx.query<AlertRow>(`SELECT * FROM alerts WHERE id = $1 AND state <> 'resolved' FOR UPDATE`, [id])).rows[0];
      if (!before) return undefined;
      const { rows } = await tx.query<AlertRow>(
        // The alert keeps the value that raised it; the resolving value goes into the history.
        `UPDATE alerts SET state = 'resolved', updated_at = to_timestamp($2 / 1000.0), resolved_at = to_timestamp($2 / 1000.0) WHERE id = $1 RETURNING *`,
        [id, at],
      );
      await this.#transition(tx, id, { at, from: before.state, to: 'resolved', severity: before.severity, value, comment });
      return { alert: alertOf(rows[0]!), from: before.state, to: 'resolved', at };
    });
  }

  /** Undefined when unknown; an alert already resolved or acknowledged is returned unchanged. */
  async acknowledge(id: string, by: string, comment: string | undefined, at: number): Promise<AlertChange | undefined> {
    return this.#sql.transaction(async (tx) => {
      const before = (await tx.query<AlertRow>('SELECT * FROM alerts WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!before) return undefined;
      if (before.state !== 'open') return { alert: alertOf(before), from: before.state, to: before.state, at };
      const { rows } = await tx.query<AlertRow>(
        `UPDATE alerts SET state = 'acknowledged', acknowledged_by = $2, acknowledged_at = to_timestamp($3 / 1000.0), updated_at = to_timestamp($3 / 1000.0) WHERE id = $1 RETURNING *`,
        [id, by, at],
      );
      await this.#transition(tx, id, { at, from: 'open', to: 'acknowledged', severity: before.severity, value: before.value, by, comment });
      return { alert: alertOf(rows[0]!), from: 'open', to: 'acknowledged', at };
    });
  }

  async list(q: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.state) add('state = ?', q.state);
    if (q.spacecraft) add('spacecraft_id = ?', q.spacecraft);
    if (q.severity) add('severity = ?', q.severity);
    if (q.channel) add('channel = ?', q.channel);
    params.push(q.limit);
    const { rows } = await this.#sql.query<AlertRow>(
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(alertOf);
  }

  async get(id: string): Promise<Alert | undefined> {
    const alert = (await this.#sql.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id])).rows[0];
    if (!alert) return undefined;
    const { rows } = await this.#sql.query<TransitionRow>('SELECT * FROM alert_transitions WHERE alert_id = $1 ORDER BY seq', [id]);
    return {
      ...alertOf(alert),
      history: rows.map((t) => ({
        at: toIso(t.at), from: t.from_state, to: t.to_state, severity: t.severity, value: t.value,
        ...(t.by && { by: t.by }), ...(t.comment && { comment: t.comment }),
      })),
    };
  }
}

/** Alerts and their history: the only reader and writer of the alerts and alert_transitions tables. */
export const ALERTS = service<AlertStore>('alerts');
