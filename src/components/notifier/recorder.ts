/**
 * The `alerts` consumer: each alert change that routes match becomes one delivery per
 * route, recorded, then queued on notifications.deliveries. The record comes first and
 * is unique per (route, alert, transition), so an event read again (the group's offset
 * was not committed before a stop) records nothing new and queues only what the first
 * reading recorded but never queued.
 */
import { randomUUID } from 'node:crypto';
import { QUEUES, type AlertEvent, type DeliveryMessage } from '../../core/messages.ts';
import type { EventRecord } from '../../engines/events/port.ts';
import type { TaskQueue } from '../../engines/queue/port.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { NotificationStore } from '../../stores/notifications/store.ts';
import { deliveryBody } from './payload.ts';
import { isShelved, routesFor, transitionKey } from './routing.ts';

export interface RecorderDeps {
  store: NotificationStore;
  catalog: Pick<MissionCatalog, 'spacecraft'>;
  queue: Pick<TaskQueue, 'publish'>;
  onRecorded?(count: number): void;
  onShelved?(): void;
}

/** Records and queues the deliveries of a batch of alert events, in order; resolves once all are on the queue. */
export function createAlertEventHandler(deps: RecorderDeps): (records: EventRecord<AlertEvent>[]) => Promise<void> {
  return async (records) => {
    const routes = await deps.store.enabledRoutes();
    if (!routes.length) return;
    // One catalogue read per spacecraft and batch.
    const missions = new Map<string, Promise<string | undefined>>();
    const missionOf = (spacecraft: string) => {
      let mission = missions.get(spacecraft);
      if (!mission) missions.set(spacecraft, (mission = deps.catalog.spacecraft(spacecraft).then((view) => view?.spacecraft.missionId)));
      return mission;
    };
    for (const { value: event } of records) {
      if (isShelved(event.alert, event.transition.at)) {
        deps.onShelved?.();
        continue;
      }
      const missionId = await missionOf(event.alert.spacecraft);
      let recorded = 0;
      for (const route of routesFor(event, missionId, routes)) {
        const id = randomUUID();
        const delivery = await deps.store.recordDelivery({
          id, routeId: route.id, routeName: route.name, alertId: event.alert.id, transitionKey: transitionKey(event),
          transition: { at: event.transition.at, from: event.transition.from, to: event.transition.to, severity: event.transition.severity },
          body: deliveryBody(id, route, missionId, event),
        });
        if (delivery.created) recorded++;
        if (delivery.enqueued) continue;
        await deps.queue.publish<DeliveryMessage>(QUEUES.notifications, { deliveryId: delivery.id }, {
          // The delivery's id as the message id: a second queueing of the same delivery is recognisable.
          id: delivery.id,
          headers: cloudEventHeaders('orbit.notification.delivery.v1', '/orbit/notifier', { id: delivery.id }),
        });
        await deps.store.markEnqueued(delivery.id);
      }
      if (recorded) deps.onRecorded?.(recorded);
    }
  };
}
