/**
 * Notifier: reads alert changes from the `alerts` topic in its own consumer group,
 * records a delivery for each route that matches (recorder.ts) and queues it on
 * notifications.deliveries, whose consumer POSTs it, signed, to the route's webhook
 * (sender.ts). Serves the routes' API and each alert's delivery log (routes.ts).
 */
import { Counter, Histogram } from 'prom-client';
import { QUEUES, TOPICS, type AlertEvent, type DeliveryMessage } from '../../core/messages.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { QUEUE } from '../../engines/queue/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { ALERTS } from '../../stores/alerts/store.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { NOTIFICATIONS } from '../../stores/notifications/store.ts';
import { createAlertEventHandler } from './recorder.ts';
import { notifierRoutes, type NotifierApi } from './routes.ts';
import { createDeliveryHandler } from './sender.ts';

/** Webhook tries at once: receivers answer slowly, not the notifier. */
const SEND_PREFETCH = 8;

export const notifierModule = defineModule({
  name: 'notifier',
  deps: { store: NOTIFICATIONS, catalog: MISSIONS, alerts: ALERTS, queue: QUEUE, events: EVENTS },
  target: { description: 'Webhook notifications of alert changes: routes, signed deliveries with retries, delivery log' },
  async start({ config, metrics, logger, deps: { store, catalog, alerts, queue, events } }) {
    const recorded = new Counter({ name: 'orbit_notifications_recorded_total', help: 'Deliveries recorded for alert changes that matched a route', registers: [metrics] });
    const shelved = new Counter({ name: 'orbit_notifications_shelved_total', help: 'Alert changes not notified because the alert was shelved', registers: [metrics] });
    const attempts = new Counter({ name: 'orbit_notification_attempts_total', help: 'Webhook tries, by outcome (delivered, failed: retried later, dead: the last try)', labelNames: ['outcome'] as const, registers: [metrics] });
    const duration = new Histogram({
      name: 'orbit_notification_attempt_duration_seconds', help: 'Time a webhook receiver took to answer a try (or to fail)', labelNames: ['outcome'] as const, registers: [metrics],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });

    const subscription = await events.subscribe<AlertEvent>(
      { group: 'notifier', topics: [TOPICS.alerts] },
      createAlertEventHandler({ store, catalog, queue, onRecorded: (n) => recorded.inc(n), onShelved: () => shelved.inc() }),
    );
    let consumer;
    try {
      consumer = await queue.consume<DeliveryMessage>(
        QUEUES.notifications,
        createDeliveryHandler({
          store, logger, timeoutMs: config.notifier.timeoutMs, maxAttempts: config.queues[QUEUES.notifications].maxAttempts,
          onOutcome: (outcome, seconds) => {
            attempts.inc({ outcome });
            duration.observe({ outcome }, seconds);
          },
        }),
        { prefetch: SEND_PREFETCH },
      );
    } catch (error) {
      await subscription.close();
      throw error;
    }

    const api: NotifierApi = { store, catalog, alerts };
    return {
      value: api,
      isReady: () => events.isReady() && queue.isReady(),
      async stop() {
        // New deliveries first, then the tries under way (each bounded by the timeout).
        await subscription.close();
        await consumer.close();
      },
    };
  },
  routes: notifierRoutes,
});
