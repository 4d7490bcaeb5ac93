/**
 * Notification routes and the log of their deliveries, in the relational store. A
 * delivery is recorded once per (route, alert, transition) before its message is queued,
 * so an alert event read again after a restart finds it and sends nothing twice; its row
 * then follows every try until the receiver takes it or the queue gives up.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import type { AlertRule, Severity } from '../../core/schemas.ts';
import type { DeliveryState, NotificationDelivery, NotificationRoute, NotificationRouteCreate } from '../../core/notifications.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';

interface RouteRow {
  id: string; name: string; url: string; mission_id: string | null; severities: Severity[] | null; rules: AlertRule[] | null;
  secret: string; enabled: boolean; created_at: Date;
}
interface DeliveryRow {
  id: string; route_id: string; route_name: string; alert_id: string; transition_at: Date; from_state: string | null; to_state: string;
  severity: Severity; state: DeliveryState; attempts: number; last_status: number | null; last_error: string | null;
  created_at: Date; last_attempt_at: Date | null; delivered_at: Date | null;
}

const routeOf = (r: RouteRow): NotificationRoute => ({
  id: r.id, name: r.name, url: r.url,
  ...(r.mission_id !== null && { missionId: r.mission_id }),
  ...(r.severities && { severities: r.severities }),
  ...(r.rules && { rules: r.rules }),
  enabled: r.enabled, createdAt: toIso(r.created_at),
});

const deliveryOf = (r: DeliveryRow): NotificationDelivery => ({
  id: r.id, routeId: r.route_id, routeName: r.route_name, alertId: r.alert_id,
  transition: { at: toIso(r.transition_at), from: r.from_state, to: r.to_state, severity: r.severity },
  state: r.state, attempts: r.attempts,
  ...(r.last_status !== null && { lastStatus: r.last_status }),
  ...(r.last_error !== null && { lastError: r.last_error }),
  createdAt: toIso(r.created_at),
  ...(r.last_attempt_at && { lastAttemptAt: toIso(r.last_attempt_at) }),
  ...(r.delivered_at && { deliveredAt: toIso(r.delivered_at) }),
});

/** What the sender needs of a route: where to, and the key to sign with. */
export interface RouteTarget {
  url: string;
  secret: string;
}

export interface NewDelivery {
  id: string;
  routeId: string;
  routeName: string;
  alertId: string;
  transitionKey: string;
  transition: { at: number; from: string | null; to: string; severity: Severity };
  body: string;
}

/** A delivery as the sender reads it before a try. */
export interface PendingDelivery {
  id: string;
  routeId: string;
  state: DeliveryState;
  body: string;
}

/** The result of one try: delivered, failed (another try follows) or dead (none does). */
export interface AttemptOutcome {
  state: 'delivered' | 'failed' | 'dead';
  status?: number;
  error?: string;
  at: number;
}

export class NotificationStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async createRoute(id: string, input: NotificationRouteCreate & { secret: string }): Promise<NotificationRoute> {
    const { rows } = await this.#sql.query<RouteRow>(
      `INSERT INTO notification_routes (id, name, url, mission_id, severities, rules, secret, enabled)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) RETURNING *`,
      [id, input.name, input.url, input.missionId ?? null, input.severities ? JSON.stringify(input.severities) : null, input.rules ? JSON.stringify(input.rules) : null, input.secret, input.enabled],
    );
    return routeOf(rows[0]!);
  }

  async listRoutes(): Promise<NotificationRoute[]> {
    return (await this.#sql.query<RouteRow>('SELECT * FROM notification_routes ORDER BY created_at, id')).rows.map(routeOf);
  }

  async getRoute(id: string): Promise<NotificationRoute | undefined> {
    const row = (await this.#sql.query<RouteRow>('SELECT * FROM notification_routes WHERE id = $1', [id])).rows[0];
    return row && routeOf(row);
  }

  /** False when there was none. */
  async deleteRoute(id: string): Promise<boolean> {
    return (await this.#sql.query('DELETE FROM notification_routes WHERE id = $1', [id])).rowCount > 0;
  }

  async enabledRoutes(): Promise<NotificationRoute[]> {
    return (await this.#sql.query<RouteRow>('SELECT * FROM notification_routes WHERE enabled ORDER BY created_at, id')).rows.map(routeOf);
  }

  /** Undefined when the route was deleted. */
  async routeTarget(id: string): Promise<RouteTarget | undefined> {
    return (await this.#sql.query<RouteTarget>('SELECT url, secret FROM notification_routes WHERE id = $1', [id])).rows[0];
  }

  /**
   * Records a delivery unless its (route, alert, transition) has one already. Answers the
   * delivery's id and whether its message is known to be on the queue: a delivery recorded
   * by a process that stopped before queueing it is answered as not queued, to be queued now.
   */
  async recordDelivery(d: NewDelivery): Promise<{ id: string; enqueued: boolean; created: boolean }> {
    const inserted = await this.#sql.query<{ id: string }>(
      `INSERT INTO notification_deliveries (id, route_id, route_name, alert_id, transition_key, transition_at, from_state, to_state, severity, body, state)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7, $8, $9, $10, 'pending')
       ON CONFLICT (route_id, alert_id, transition_key) DO NOTHING RETURNING id`,
      [d.id, d.routeId, d.routeName, d.alertId, d.transitionKey, d.transition.at, d.transition.from, d.transition.to, d.transition.severity, d.body],
    );
    if (inserted.rows[0]) return { id: inserted.rows[0].id, enqueued: false, created: true };
    const { rows } = await this.#sql.query<{ id: string; enqueued: boolean }>(
      'SELECT id, enqueued_at IS NOT NULL AS enqueued FROM notification_deliveries WHERE route_id = $1 AND alert_id = $2 AND transition_key = $3',
      [d.routeId, d.alertId, d.transitionKey],
    );
    return { ...rows[0]!, created: false };
  }

  async markEnqueued(id: string): Promise<void> {
    await this.#sql.query('UPDATE notification_deliveries SET enqueued_at = now() WHERE id = $1 AND enqueued_at IS NULL', [id]);
  }

  async pendingDelivery(id: string): Promise<PendingDelivery | undefined> {
    const { rows } = await this.#sql.query<{ id: string; route_id: string; state: DeliveryState; body: string }>(
      'SELECT id, route_id, state, body FROM notification_deliveries WHERE id = $1',
      [id],
    );
    const r = rows[0];
    return r && { id: r.id, routeId: r.route_id, state: r.state, body: r.body };
  }

  /**
   * Counts a try and sets the delivery's state. A delivery already delivered or dead is
   * left as it is (a repeated message must not undo the outcome); answers whether it changed.
   */
  async recordAttempt(id: string, outcome: AttemptOutcome): Promise<boolean> {
    const { rowCount } = await this.#sql.query(
      `UPDATE notification_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4,
         last_attempt_at = to_timestamp($5 / 1000.0), delivered_at = CASE WHEN $2::text = 'delivered' THEN to_timestamp($5 / 1000.0) END
       WHERE id = $1 AND state NOT IN ('delivered', 'dead')`,
      [id, outcome.state, outcome.status ?? null, outcome.error ?? null, outcome.at],
    );
    return rowCount > 0;
  }

  /** A delivery given up on without a try (its route was deleted). */
  async abandon(id: string, reason: string, at: number): Promise<void> {
    await this.#sql.query(
      `UPDATE notification_deliveries SET state = 'dead', last_error = $2, last_attempt_at = to_timestamp($3 / 1000.0) WHERE id = $1 AND state NOT IN ('delivered', 'dead')`,
      [id, reason, at],
    );
  }

  /** Every delivery of an alert, oldest first. */
  async deliveriesOf(alertId: string): Promise<NotificationDelivery[]> {
    const { rows } = await this.#sql.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE alert_id = $1 ORDER BY created_at, transition_at, id', [alertId]);
    return rows.map(deliveryOf);
  }
}

/** Notification routes and deliveries: the only reader and writer of their tables. */
export const NOTIFICATIONS = service<NotificationStore>('notifications');
