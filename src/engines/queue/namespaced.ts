/**
 * Several Orbit installations (or test runs) can share one broker: each sees only the
 * queues under its own namespace, and keeps the names the code uses.
 */
import type { ConsumeOptions, Handler, TaskQueue } from './port.ts';

export function namespacedQueue(queue: TaskQueue, namespace: string): TaskQueue {
  const inner = (name: string) => `${namespace}.${name}`;
  const outer = (name: string) => name.slice(namespace.length + 1);
  return {
    assertQueue: (name, options) => queue.assertQueue(inner(name), options),
    publish: (name, body, options) => queue.publish(inner(name), body, options),
    consume: <T>(name: string, handler: Handler<T>, options: ConsumeOptions) =>
      queue.consume<T>(inner(name), (delivery) => handler(Object.assign(delivery, { queue: outer(delivery.queue) })), options),
    deadLetters: async <T>(name: string, limit?: number) => (await queue.deadLetters<T>(inner(name), limit)).map((letter) => ({ ...letter, queue: outer(letter.queue) })),
    depth: (name) => queue.depth(inner(name)),
    isReady: () => queue.isReady(),
    close: () => queue.close(),
  };
}
