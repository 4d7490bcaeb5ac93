/**
 * The notifications.deliveries consumer: one message, one try of one delivery. A 2xx
 * answer marks it delivered; anything else is counted in its row and thrown, so the queue
 * tries again after its doubling delay, and after the last try dead-letters the message
 * with the same reason while the row says `dead`. A delivery already delivered or dead
 * (a message queued twice) is not sent again.
 */
import type { Logger } from 'pino';
import type { DeliveryMessage } from '../../core/messages.ts';
import type { Delivery } from '../../engines/queue/port.ts';
import type { NotificationStore } from '../../stores/notifications/store.ts';
import { postWebhook, type WebhookOutcome, type WebhookRequest } from './webhook.ts';

export interface SenderDeps {
  store: Pick<NotificationStore, 'pendingDelivery' | 'routeTarget' | 'recordAttempt' | 'abandon'>;
  logger: Logger;
  timeoutMs: number;
  /** The queue's maxAttempts: the try after which a failure is final. */
  maxAttempts: number;
  post?(request: WebhookRequest): Promise<WebhookOutcome>;
  now?(): number;
  onOutcome?(outcome: 'delivered' | 'failed' | 'dead', seconds: number): void;
}

export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
}

export function createDeliveryHandler(deps: SenderDeps): (delivery: Delivery<DeliveryMessage>) => Promise<void> {
  const now = deps.now ?? Date.now;
  const post = deps.post ?? ((request: WebhookRequest) => postWebhook(request));
  return async (message) => {
    const { deliveryId } = message.body;
    const delivery = await deps.store.pendingDelivery(deliveryId);
    if (!delivery) {
      deps.logger.warn({ deliveryId }, 'notification message for an unknown delivery; dropped');
      return;
    }
    if (delivery.state === 'delivered' || delivery.state === 'dead') return;
    const target = await deps.store.routeTarget(delivery.routeId);
    if (!target) {
      await deps.store.abandon(deliveryId, 'the route was deleted', now());
      return;
    }
    const started = now();
    const outcome = await post({ url: target.url, secret: target.secret, deliveryId, body: delivery.body, timeoutMs: deps.timeoutMs, now: started });
    const at = now();
    const seconds = (at - started) / 1000;
    if (outcome.ok) {
      await deps.store.recordAttempt(deliveryId, { state: 'delivered', status: outcome.status, at });
      deps.onOutcome?.('delivered', seconds);
      return;
    }
    const last = message.attempt >= deps.maxAttempts;
    const error = outcome.error ?? 'delivery failed';
    await deps.store.recordAttempt(deliveryId, { state: last ? 'dead' : 'failed', status: outcome.status, error, at });
    deps.onOutcome?.(last ? 'dead' : 'failed', seconds);
    deps.logger[last ? 'warn' : 'info']({ deliveryId, routeId: delivery.routeId, attempt: message.attempt, maxAttempts: deps.maxAttempts, error }, last ? 'notification dead-lettered after its last try' : 'notification try failed; retried later');
    throw new DeliveryFailedError(error);
  };
}
