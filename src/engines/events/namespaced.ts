/**
 * Several Orbit installations (or test runs) can share one Kafka cluster: topics and
 * consumer groups are prefixed with the namespace, and the code keeps its own names.
 */
import type { BatchHandler, EventLog, SubscribeOptions } from './port.ts';

export function namespacedLog(log: EventLog, namespace: string): EventLog {
  const inner = (name: string) => `${namespace}.${name}`;
  const outer = (name: string) => name.slice(namespace.length + 1);
  return {
    createTopic: (topic, options) => log.createTopic(inner(topic), options),
    publish: (topic, events) => log.publish(inner(topic), events),
    subscribe: <T>(options: SubscribeOptions, handler: BatchHandler<T>) =>
      log.subscribe<T>({ ...options, group: inner(options.group), topics: options.topics.map(inner) }, (records) =>
        handler(records.map((record) => ({ ...record, topic: outer(record.topic) }))),
      ),
    read: async <T>(topic: string, partition: number, fromOffset: number, limit: number) =>
      (await log.read<T>(inner(topic), partition, fromOffset, limit)).map((record) => ({ ...record, topic: outer(record.topic) })),
    offsetForTime: (topic, partition, time) => log.offsetForTime(inner(topic), partition, time),
    partitions: (topic) => log.partitions(inner(topic)),
    lag: async (group, topic) => (await log.lag(inner(group), inner(topic))).map((p) => ({ ...p, topic: outer(p.topic) })),
    isReady: () => log.isReady(),
    close: () => log.close(),
  };
}
