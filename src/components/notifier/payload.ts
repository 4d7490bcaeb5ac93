/**
 * The body a receiver gets: the alert change as the event log carries it, its times as
 * ISO 8601 like every answer of the API, with the delivery and the route that sent it.
 * It is built once, when the delivery is recorded, and its bytes are sent (and signed)
 * unchanged on every try.
 */
import type { AlertEvent } from '../../core/messages.ts';
import type { NotificationRoute } from '../../core/notifications.ts';
import { toIso } from '../../core/time.ts';

export function deliveryBody(deliveryId: string, route: Pick<NotificationRoute, 'id' | 'name'>, missionId: string | undefined, event: AlertEvent): string {
  return JSON.stringify({
    deliveryId,
    route: { id: route.id, name: route.name },
    ...(missionId !== undefined && { missionId }),
    alert: event.alert,
    transition: { ...event.transition, at: toIso(event.transition.at) },
    ...(event.batchId !== undefined && { batchId: event.batchId }),
    ...(event.receivedAt !== undefined && { receivedAt: toIso(event.receivedAt) }),
  });
}
