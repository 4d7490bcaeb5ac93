/**
 * Alert changes onto the `alerts` topic, keyed by spacecraft so one spacecraft's alerts
 * keep their order. Changes are stored before they are published; if the event log is
 * away they wait here and go out first, in order, on the next publish (a redelivered
 * batch finds nothing new to decide, so nothing else would send them).
 */
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../core/messages.ts';
import type { EventLog } from '../../engines/events/port.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import type { AlertChange } from '../../stores/alerts/store.ts';

export interface CausedChange {
  change: AlertChange;
  /** The batch whose reading caused it, when a reading did. */
  cause?: ProcessedBatch;
}

export function alertEvent({ change, cause }: CausedChange): AlertEvent {
  return {
    alert: change.alert,
    transition: {
      from: change.from, to: change.to, action: change.action, severity: change.alert.severity, at: change.at,
      ...(change.by !== undefined && { by: change.by }), ...(change.comment !== undefined && { comment: change.comment }),
    },
    ...(cause && { batchId: cause.batchId, receivedAt: cause.receivedAt }),
  };
}

export class AlertPublisher {
  readonly #events: EventLog;
  #unpublished: CausedChange[] = [];

  constructor(events: EventLog) {
    this.#events = events;
  }

  /** Changes not yet on the event log. */
  get held(): number {
    return this.#unpublished.length;
  }

  /** Publishes what is held, then `changes`. Callers run one publish at a time. */
  async publish(changes: CausedChange[]): Promise<void> {
    this.#unpublished = [...this.#unpublished, ...changes];
    if (!this.#unpublished.length) return;
    const sending = this.#unpublished;
    await this.#events.publish<AlertEvent>(TOPICS.alerts, sending.map((c) => ({
      key: c.change.alert.spacecraft,
      value: alertEvent(c),
      headers: cloudEventHeaders('orbit.alert.changed.v1', '/orbit/analyzer'),
    })));
    this.#unpublished = this.#unpublished.slice(sending.length);
  }
}
