/**
 * The task queue with messaging spans (engines/shared/messaging-spans.ts): `publish` records
 * a PRODUCER span and carries its context in the message's headers; each delivery is
 * handled inside a CONSUMER span, the child of the span that published it.
 */
import { context, trace } from '@opentelemetry/api';
import { MESSAGING, consumerSpan, contextOf, inSpan, producerSpan, withContext } from '../shared/messaging-spans.ts';
import type { ConsumeOptions, Handler, TaskQueue } from './port.ts';

export function tracedQueue(queue: TaskQueue, system: string): TaskQueue {
  return {
    ...bound(queue),
    publish(name, body, options = {}) {
      const parent = context.active();
      const span = producerSpan('publish', name, parent, { [MESSAGING.system]: system, ...(options.id && { [MESSAGING.messageId]: options.id }) });
      return inSpan(span, parent, () => queue.publish(name, body, { ...options, headers: withContext(options.headers, trace.setSpan(parent, span)) }));
    },
    consume<T>(name: string, handler: Handler<T>, options: ConsumeOptions) {
      return queue.consume<T>(name, (delivery) => {
        const { span, parent } = consumerSpan(name, [contextOf(delivery.headers)], {
          [MESSAGING.system]: system, [MESSAGING.messageId]: delivery.id, 'orbit.delivery.attempt': delivery.attempt,
        });
        return inSpan(span, parent, () => handler(delivery));
      }, options);
    },
  };
}

/** The port's other methods, bound to the queue they belong to. */
function bound(queue: TaskQueue): TaskQueue {
  return {
    assertQueue: (name, options) => queue.assertQueue(name, options),
    publish: (name, body, options) => queue.publish(name, body, options),
    consume: (name, handler, options) => queue.consume(name, handler, options),
    deadLetters: (name, limit) => queue.deadLetters(name, limit),
    depth: (name) => queue.depth(name),
    isReady: () => queue.isReady(),
    close: () => queue.close(),
  };
}
