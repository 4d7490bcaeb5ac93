/**
 * The alert outbox: the events of alert transitions, stored in the transaction that makes
 * the transition and numbered per spacecraft, waiting for a relay to send them. A relay
 * sends a spacecraft's events only while it holds that spacecraft's lease, so two live
 * analyzers never send the same one; the lease's term tells a holder whether someone else
 * may have sent since it last looked.
 */
import type { AlertEvent } from '../../core/messages.ts';
import type { SqlExecutor, SqlStore } from '../../engines/sql/port.ts';
import type { AlertChange } from './store.ts';

/** The batch whose reading caused a change, and the trace it was decided in. */
export interface AlertCause {
  batchId: string;
  receivedAt: number;
  traceparent?: string;
}

export function alertEvent(change: AlertChange, cause?: AlertCause): AlertEvent {
  return {
    alert: change.alert,
    transition: {
      from: change.from, to: change.to, action: change.action, severity: change.alert.severity, at: change.at,
      ...(change.by !== undefined && { by: change.by }), ...(change.comment !== undefined && { comment: change.comment }),
    },
    ...(cause && { batchId: cause.batchId, receivedAt: cause.receivedAt }),
  };
}

/** Stores a transition's event, next in its spacecraft's order; call inside the transaction that stored the transition. */
export async function enqueueAlertEvent(tx: SqlExecutor, change: AlertChange, transitionSeq: number, cause?: AlertCause): Promise<void> {
  const spacecraft = change.alert.spacecraft;
  // The counter row stays locked until this transaction commits: a concurrent change of the same spacecraft waits, so numbers commit in order.
  const { rows } = await tx.query<{ last_seq: string | number }>(
    `INSERT INTO alert_outbox_sequences (spacecraft_id, last_seq) VALUES ($1, 1)
     ON CONFLICT (spacecraft_id) DO UPDATE SET last_seq = alert_outbox_sequences.last_seq + 1 RETURNING last_seq`,
    [spacecraft],
  );
  await tx.query(
    'INSERT INTO alert_outbox (spacecraft_id, seq, alert_id, transition_seq, event, traceparent) VALUES ($1, $2, $3, $4, $5, $6)',
    [spacecraft, Number(rows[0]!.last_seq), change.alert.id, transitionSeq, JSON.stringify(alertEvent(change, cause)), cause?.traceparent ?? null],
  );
}

export interface PendingEvent {
  spacecraft: string;
  seq: number;
  event: AlertEvent;
  createdAt: number;
  traceparent?: string;
}

export interface OutboxBacklog {
  pending: number;
  /** Epoch ms the oldest pending event was stored, if any. */
  oldestAt?: number;
}

const ms = (d: Date | string) => (d instanceof Date ? d.getTime() : Date.parse(d));

export class AlertOutbox {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  /** Spacecraft with events not yet sent, the longest waiting first. */
  async waiting(): Promise<string[]> {
    const { rows } = await this.#sql.query<{ spacecraft_id: string }>(
      'SELECT spacecraft_id FROM alert_outbox WHERE published_at IS NULL GROUP BY spacecraft_id ORDER BY min(created_at)',
    );
    return rows.map((r) => r.spacecraft_id);
  }

  /**
   * Takes or renews the spacecraft's lease for `holder`, unless another holder's lease is
   * still running: the lease's term, or undefined when it is someone else's.
   */
  async lease(spacecraft: string, holder: string, forMs: number): Promise<number | undefined> {
    const { rows } = await this.#sql.query<{ term: string | number }>(
      `INSERT INTO alert_outbox_leases (spacecraft_id, holder, term, expires_at) VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (spacecraft_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
         term = CASE WHEN alert_outbox_leases.holder = EXCLUDED.holder AND alert_outbox_leases.expires_at > now()
                     THEN alert_outbox_leases.term ELSE alert_outbox_leases.term + 1 END
       WHERE alert_outbox_leases.holder = EXCLUDED.holder OR alert_outbox_leases.expires_at <= now()
       RETURNING term`,
      [spacecraft, holder, forMs],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].term);
  }

  /** Extends every running lease of the holder. */
  async renew(holder: string, forMs: number): Promise<void> {
    await this.#sql.query(`UPDATE alert_outbox_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE holder = $1 AND expires_at > now()`, [holder, forMs]);
  }

  /** Lets the holder's leases lapse now, for another analyzer to take at once. */
  async release(holder: string): Promise<void> {
    await this.#sql.query(`UPDATE alert_outbox_leases SET expires_at = now() - interval '1 millisecond' WHERE holder = $1 AND expires_at > now()`, [holder]);
  }

  /** The spacecraft's unsent events in order. */
  async pending(spacecraft: string, limit: number): Promise<PendingEvent[]> {
    const { rows } = await this.#sql.query<{ seq: string | number; event: AlertEvent | string; created_at: Date; traceparent: string | null }>(
      'SELECT seq, event, created_at, traceparent FROM alert_outbox WHERE spacecraft_id = $1 AND published_at IS NULL ORDER BY seq LIMIT $2',
      [spacecraft, limit],
    );
    return rows.map((r) => ({
      spacecraft, seq: Number(r.seq), createdAt: ms(r.created_at), ...(r.traceparent && { traceparent: r.traceparent }),
      event: typeof r.event === 'string' ? (JSON.parse(r.event) as AlertEvent) : r.event,
    }));
  }

  /** Marks the spacecraft's events up to `seq` as on the topic. */
  async published(spacecraft: string, seq: number): Promise<void> {
    await this.#sql.query('UPDATE alert_outbox SET published_at = now() WHERE spacecraft_id = $1 AND seq <= $2 AND published_at IS NULL', [spacecraft, seq]);
  }

  /** Forgets events sent longer ago than `olderThanMs`: the topic and the alert history keep them. */
  async prune(olderThanMs: number): Promise<void> {
    await this.#sql.query(`DELETE FROM alert_outbox WHERE published_at < now() - $1 * interval '1 millisecond'`, [olderThanMs]);
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.#sql.query<{ n: string | number; oldest: Date | null }>(
      'SELECT count(*) AS n, min(created_at) AS oldest FROM alert_outbox WHERE published_at IS NULL',
    );
    const row = rows[0]!;
    return { pending: Number(row.n), ...(row.oldest && { oldestAt: ms(row.oldest) }) };
  }
}
