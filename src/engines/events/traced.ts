/**
 * The event log with messaging spans (engines/shared/messaging-spans.ts). A publish records
 * one PRODUCER span per trace its events belong to: an event that names its own
 * `traceparent` (a processor writes batches of many requests together) continues that
 * trace, the others the current one. Each handler call runs in a CONSUMER span linked to
 * every record's span.
 */
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { MESSAGING, consumerSpan, contextOf, failed, inSpan, producerSpan, withContext } from '../shared/messaging-spans.ts';
import type { BatchHandler, EventLog, OutgoingEvent } from './port.ts';

export function tracedLog(log: EventLog, system: string): EventLog {
  return {
    createTopic: (name, options) => log.createTopic(name, options),
    async publish<T>(topic: string, events: OutgoingEvent<T>[]) {
      const active = context.active();
      const producers = new Map<string, { span: Span; ctx: Context; count: number }>();
      const traced = events.map((event) => {
        const origin = event.headers?.traceparent ?? '';
        let producer = producers.get(origin);
        if (!producer) {
          const parent = origin ? contextOf(event.headers!) : active;
          const span = producerSpan('send', topic, parent, { [MESSAGING.system]: system });
          producer = { span, ctx: trace.setSpan(parent, span), count: 0 };
          producers.set(origin, producer);
        }
        producer.count++;
        return { ...event, headers: withContext(event.headers, producer.ctx) };
      });
      try {
        await log.publish(topic, traced);
      } catch (error) {
        for (const { span } of producers.values()) failed(span, error);
        throw error;
      } finally {
        for (const { span, count } of producers.values()) span.setAttribute(MESSAGING.batchCount, count).end();
      }
    },
    subscribe<T>(options: Parameters<EventLog['subscribe']>[0], handler: BatchHandler<T>) {
      return log.subscribe<T>(options, (records) => {
        const first = records[0];
        if (!first) return handler(records);
        const { span, parent } = consumerSpan(first.topic, records.map((r) => contextOf(r.headers)), {
          [MESSAGING.system]: system, [MESSAGING.consumerGroup]: options.group, [MESSAGING.partition]: String(first.partition),
          [MESSAGING.batchCount]: records.length, [MESSAGING.kafkaOffset]: first.offset,
        });
        return inSpan(span, parent, () => handler(records));
      });
    },
    read: (topic, partition, fromOffset, limit) => log.read(topic, partition, fromOffset, limit),
    offsetForTime: (topic, partition, time) => log.offsetForTime(topic, partition, time),
    partitions: (topic) => log.partitions(topic),
    lag: (group, topic) => log.lag(group, topic),
    isReady: () => log.isReady(),
    close: () => log.close(),
  };
}
