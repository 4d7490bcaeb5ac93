/**
 * Alerts and their transitions in the relational store. Every change is one
 * transaction that locks the alert, updates it and appends its transition (who, when,
 * which action, a comment), so the history always explains the current state. Which
 * change follows from a reading is decided in the analyzer; this store checks only that
 * the alert is in a state the change applies to, under the lock, since several analyzers
 * and operators change alerts at once. The same transaction enters the transition's event
 * in the outbox (outbox.ts), so no published change can be stored without its event.
 */
import { randomUUID } from 'node:crypto';
import type { SqlExecutor, SqlStore } from '../../engines/sql/port.ts';
import type { Alert, AlertAction, AlertRule, AlertState, Severity } from '../../core/schemas.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';
import { AlertOutbox, enqueueAlertEvent, type AlertCause } from './outbox.ts';

export type { AlertCause } from './outbox.ts';

interface AlertRow {
  id: string; spacecraft_id: string; channel: string; rule: AlertRule; severity: Severity; state: AlertState;
  value: number | null; threshold: number | null; message: string; opened_at: Date; updated_at: Date;
  resolved_at: Date | null; acknowledged_by: string | null; score: number | null; returned_at: Date | null;
  shelved_by: string | null; shelved_until: Date | null; assigned_to: string | null;
}
interface TransitionRow {
  at: Date; from_state: AlertState | null; to_state: AlertState; action: AlertAction | null; severity: Severity; value: number | null; by: string | null; comment: string | null;
}

const alertOf = (r: AlertRow): Alert => ({
  id: r.id, spacecraft: r.spacecraft_id, channel: r.channel, rule: r.rule, severity: r.severity, state: r.state,
  value: r.value, threshold: r.threshold, ...(r.score !== null && { score: r.score }), message: r.message,
  openedAt: toIso(r.opened_at), updatedAt: toIso(r.updated_at),
  ...(r.resolved_at && { resolvedAt: toIso(r.resolved_at) }),
  ...(r.returned_at && { returnedAt: toIso(r.returned_at) }),
  ...(r.acknowledged_by && { acknowledgedBy: r.acknowledged_by }),
  ...(r.shelved_by && { shelvedBy: r.shelved_by }),
  ...(r.shelved_until && { shelvedUntil: toIso(r.shelved_until) }),
  ...(r.assigned_to && { assignedTo: r.assigned_to }),
});

export interface AlertChange {
  alert: Alert;
  from: AlertState | null;
  to: AlertState;
  action: AlertAction;
  at: number;
  by?: string;
  comment?: string;
  /** Nothing was stored: the change asked for holds already (an alert acknowledged twice). */
  unchanged?: boolean;
}

/** An operator's change: the change, a conflict with the alert's state (the reason), or undefined for an unknown alert. */
export type OperatorResult = AlertChange | { conflict: string } | undefined;

export interface AlertQuery {
  state?: AlertState;
  spacecraft?: string;
  /** Alerts of the mission's spacecraft. */
  mission?: string;
  severity?: Severity;
  channel?: string;
  /** Opened at or after (epoch ms). */
  fromMs?: number;
  /** Opened before (epoch ms). */
  toMs?: number;
  limit: number;
  /** Alerts to skip, for the pages after the first. */
  offset?: number;
}

/** The alert as it is now, for a change to be decided on. */
type Before = AlertRow;

/** Columns a change may set; times are epoch ms (or null). */
interface Columns {
  severity?: Severity; value?: number | null; threshold?: number | null; message?: string; score?: number | null;
  acknowledged_by?: string | null; shelved_by?: string | null; assigned_to?: string | null;
  resolved_at?: number | null; returned_at?: number | null; acknowledged_at?: number | null; shelved_until?: number | null;
}
const TIME_COLUMNS = new Set(['resolved_at', 'returned_at', 'acknowledged_at', 'shelved_until']);

interface Step {
  to: AlertState;
  action: AlertAction;
  set?: Columns;
  /** The value the transition records; the alert's own by default. */
  value?: number | null;
  by?: string;
  comment?: string;
}

const ACTIVE = (r: Before) => r.state !== 'resolved';

export class AlertStore {
  readonly #sql: SqlStore;
  /** Events of stored transitions, waiting to be sent. */
  readonly outbox: AlertOutbox;

  constructor(sql: SqlStore) {
    this.#sql = sql;
    this.outbox = new AlertOutbox(sql);
  }

  /** Appends a transition to the alert's history: its number there. */
  async #transition(tx: SqlExecutor, alertId: string, t: { at: number; from: AlertState | null; to: AlertState; action: AlertAction; severity: Severity; value: number | null; by?: string; comment?: string }): Promise<number> {
    const { rows } = await tx.query<{ seq: number }>(
      `INSERT INTO alert_transitions (alert_id, seq, at, from_state, to_state, action, severity, value, by, comment)
       SELECT $1, coalesce(max(seq), 0) + 1, to_timestamp($2 / 1000.0), $3, $4, $5, $6, $7, $8, $9 FROM alert_transitions WHERE alert_id = $1
       RETURNING seq`,
      [alertId, t.at, t.from, t.to, t.action, t.severity, t.value, t.by ?? null, t.comment ?? null],
    );
    return Number(rows[0]!.seq);
  }

  /**
   * Locks the alert and applies what `decide` makes of it: a step is stored with its
   * transition; undefined stores nothing (the alert is not in a state the change applies
   * to); `unchanged` answers the alert as it is; a conflict is handed back. The change's
   * event goes into the outbox, except for what readings and the clock do to an alert that
   * stays shelved: a shelved alert raises nothing until it comes off the shelf.
   */
  async #change(id: string, at: number, decide: (before: Before) => Step | { conflict: string } | { unchanged: AlertAction } | undefined, cause?: AlertCause): Promise<OperatorResult> {
    return this.#sql.transaction(async (tx) => {
      const before = (await tx.query<AlertRow>('SELECT * FROM alerts WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!before) return undefined;
      const step = decide(before);
      if (step === undefined) return undefined;
      if ('unchanged' in step) return { alert: alertOf(before), from: before.state, to: before.state, action: step.unchanged, at, unchanged: true };
      if ('conflict' in step) return step;
      const params: unknown[] = [id, step.to, at];
      const sets = ['state = $2', 'updated_at = to_timestamp($3 / 1000.0)'];
      for (const [column, value] of Object.entries(step.set ?? {})) {
        params.push(value);
        sets.push(TIME_COLUMNS.has(column) ? `${column} = to_timestamp($${params.length} / 1000.0)` : `${column} = $${params.length}`);
      }
      const { rows } = await tx.query<AlertRow>(`UPDATE alerts SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params);
      const alert = rows[0]!;
      const seq = await this.#transition(tx, id, {
        at, from: before.state, to: step.to, action: step.action, severity: alert.severity, value: step.value === undefined ? alert.value : step.value,
        ...(step.by !== undefined && { by: step.by }), ...(step.comment !== undefined && { comment: step.comment }),
      });
      const change: AlertChange = {
        alert: alertOf(alert), from: before.state, to: step.to, action: step.action, at,
        ...(step.by !== undefined && { by: step.by }), ...(step.comment !== undefined && { comment: step.comment }),
      };
      const hidden = step.by === undefined && before.state === 'shelved' && step.to === 'shelved';
      if (!hidden) await enqueueAlertEvent(tx, change, seq, cause);
      return change;
    });
  }

  /** A change decided by the analyzer: undefined when the alert is gone (resolved or unknown). */
  async #decided(id: string, at: number, decide: (before: Before) => Step | undefined, cause?: AlertCause): Promise<AlertChange | undefined> {
    const result = await this.#change(id, at, (before) => (ACTIVE(before) ? decide(before) : undefined), cause);
    return result && 'conflict' in result ? undefined : result;
  }

  /** Alerts not resolved yet, for an analyzer picking up where it left off. */
  async active(): Promise<Alert[]> {
    const { rows } = await this.#sql.query<AlertRow>(`SELECT * FROM alerts WHERE state <> 'resolved'`);
    return rows.map(alertOf);
  }

  async open(a: { spacecraft: string; channel: string; rule: AlertRule; severity: Severity; value: number | null; threshold: number | null; message: string; score?: number; at: number }, cause?: AlertCause): Promise<AlertChange> {
    return this.#sql.transaction(async (tx) => {
      const id = randomUUID();
      const { rows } = await tx.query<AlertRow>(
        `INSERT INTO alerts (id, spacecraft_id, channel, rule, severity, state, value, threshold, message, score, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, to_timestamp($10 / 1000.0), to_timestamp($10 / 1000.0)) RETURNING *`,
        [id, a.spacecraft, a.channel, a.rule, a.severity, a.value, a.threshold, a.message, a.score ?? null, a.at],
      );
      const seq = await this.#transition(tx, id, { at: a.at, from: null, to: 'open', action: 'raise', severity: a.severity, value: a.value });
      const change: AlertChange = { alert: alertOf(rows[0]!), from: null, to: 'open', action: 'raise', at: a.at };
      await enqueueAlertEvent(tx, change, seq, cause);
      return change;
    });
  }

  /** A new severity while the value is still off. An escalation re-opens an acknowledged alert: operators must see it; a shelved one stays shelved. */
  changeSeverity(id: string, severity: Severity, value: number | null, threshold: number | null, message: string, at: number, cause?: AlertCause): Promise<AlertChange | undefined> {
    return this.#decided(id, at, (before) => {
      const escalated = severity === 'critical' && before.severity === 'warning';
      return { to: escalated && before.state === 'acknowledged' ? 'open' : before.state, action: 'severity', set: { severity, value, threshold, message } };
    }, cause);
  }

  /** The value is off again after it returned to normal: a returned alert opens again, a shelved one stays shelved (and is raised when unshelved). */
  reraise(id: string, r: { severity: Severity; value: number | null; threshold: number | null; message: string; score?: number }, at: number, cause?: AlertCause): Promise<AlertChange | undefined> {
    return this.#decided(id, at, (before) => ({
      to: before.state === 'shelved' ? 'shelved' : 'open', action: 'raise',
      set: { severity: r.severity, value: r.value, threshold: r.threshold, message: r.message, score: r.score ?? null, returned_at: null, acknowledged_by: null, acknowledged_at: null },
    }), cause);
  }

  /** The value is back to normal but the alert stays: until acknowledged (rtn-unacknowledged), or until unshelved. */
  returnToNormal(id: string, value: number | null, at: number, comment?: string, cause?: AlertCause): Promise<AlertChange | undefined> {
    return this.#decided(id, at, (before) => ({
      to: before.state === 'shelved' ? 'shelved' : 'rtn-unacknowledged', action: 'return', set: { returned_at: at }, value,
      ...(comment !== undefined && { comment }),
    }), cause);
  }

  resolve(id: string, value: number | null, at: number, comment?: string, cause?: AlertCause): Promise<AlertChange | undefined> {
    // The alert keeps the value that raised it; the resolving value goes into the history.
    return this.#decided(id, at, () => ({ to: 'resolved', action: 'resolve', set: { resolved_at: at }, value, ...(comment !== undefined && { comment }) }), cause);
  }

  /**
   * Undefined when unknown. An open alert becomes acknowledged; one that returned to
   * normal is resolved by it. In any other state the alert is returned unchanged.
   */
  async acknowledge(id: string, by: string, comment: string | undefined, at: number): Promise<AlertChange | undefined> {
    const result = await this.#change(id, at, (before) => {
      const who = { acknowledged_by: by, acknowledged_at: at };
      const note = { by, ...(comment !== undefined && { comment }) };
      if (before.state === 'open') return { to: 'acknowledged', action: 'acknowledge', set: who, ...note };
      if (before.state === 'rtn-unacknowledged') return { to: 'resolved', action: 'acknowledge', set: { ...who, resolved_at: at }, ...note };
      return { unchanged: 'acknowledge' };
    });
    return result && 'conflict' in result ? undefined : result;
  }

  /** Shelves an alert that is not resolved until `until` (epoch ms); a shelved one gets the new time. */
  shelve(id: string, by: string, until: number, comment: string | undefined, at: number): Promise<OperatorResult> {
    return this.#change(id, at, (before) => {
      if (!ACTIVE(before)) return { conflict: 'a resolved alert cannot be shelved' };
      return { to: 'shelved', action: 'shelve', set: { shelved_by: by, shelved_until: until }, by, ...(comment !== undefined && { comment }) };
    });
  }

  /**
   * Takes an alert off the shelf: raised again (open, to be acknowledged afresh) if its
   * value is still off, resolved if it returned to normal meanwhile. Without `by`, the
   * analyzer unshelves it because its time ran out: only if it is still due at `at`
   * (an operator may have shelved it again meanwhile), else undefined.
   */
  unshelve(id: string, at: number, who: { by?: string; comment?: string } = {}): Promise<OperatorResult> {
    return this.#change(id, at, (before) => {
      if (before.state !== 'shelved') return who.by === undefined ? undefined : { conflict: `the alert is ${before.state}, not shelved` };
      if (who.by === undefined && (before.shelved_until === null || before.shelved_until.getTime() > at)) return undefined;
      const returned = before.returned_at !== null;
      return {
        to: returned ? 'resolved' : 'open', action: 'unshelve',
        set: { shelved_by: null, shelved_until: null, ...(returned ? { resolved_at: at } : { acknowledged_by: null, acknowledged_at: null }) },
        ...(who.by !== undefined && { by: who.by }),
        ...(who.by === undefined ? { comment: 'shelve time ended' } : who.comment !== undefined && { comment: who.comment }),
      };
    });
  }

  /** A note in the history; the alert's state does not change. */
  comment(id: string, by: string, comment: string, at: number): Promise<OperatorResult> {
    return this.#change(id, at, (before) => ({ to: before.state, action: 'comment', by, comment }));
  }

  /** Assigns an alert that is not resolved to a person (null: to nobody). */
  assign(id: string, by: string, to: string | null, comment: string | undefined, at: number): Promise<OperatorResult> {
    return this.#change(id, at, (before) => {
      if (!ACTIVE(before)) return { conflict: 'a resolved alert cannot be assigned' };
      const what = to === null ? 'unassigned' : `assigned to ${to}`;
      return { to: before.state, action: 'assign', set: { assigned_to: to }, by, comment: comment === undefined ? what : `${what}: ${comment}` };
    });
  }

  /** Resolves an alert by hand, whatever its value; if the value is still off, the next reading raises a new one. */
  clear(id: string, by: string, comment: string | undefined, at: number): Promise<OperatorResult> {
    return this.#change(id, at, (before) => {
      if (!ACTIVE(before)) return { conflict: 'the alert is resolved already' };
      return { to: 'resolved', action: 'clear', set: { resolved_at: at, shelved_until: null }, by, ...(comment !== undefined && { comment }) };
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
    // The mission is the spacecraft's: read from the mission database's table rather than copied into every alert.
    if (q.mission) add('spacecraft_id IN (SELECT id FROM spacecraft WHERE mission_id = ?)', q.mission);
    if (q.fromMs !== undefined) add('opened_at >= to_timestamp(? / 1000.0)', q.fromMs);
    if (q.toMs !== undefined) add('opened_at < to_timestamp(? / 1000.0)', q.toMs);
    params.push(q.limit, q.offset ?? 0);
    const { rows } = await this.#sql.query<AlertRow>(
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id LIMIT $${params.length - 1} OFFSET $${params.length}`,
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
        at: toIso(t.at), from: t.from_state, to: t.to_state, ...(t.action && { action: t.action }), severity: t.severity, value: t.value,
        ...(t.by && { by: t.by }), ...(t.comment && { comment: t.comment }),
      })),
    };
  }
}

/** Alerts and their history: the only reader and writer of the alerts and alert_transitions tables. */
export const ALERTS = service<AlertStore>('alerts');
