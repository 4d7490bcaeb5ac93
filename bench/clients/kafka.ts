/**
 * The two Node Kafka clients side by side on the broker Orbit runs: messages/s produced
 * by an idempotent producer with acks=all (4 publishers, each awaiting batches of 100 in
 * turn, as concurrent event log publishes do), and consumed by a consumer group that
 * commits after every batch. Each figure is the median of 3 runs of about 5 s.
 * Both clients produce into one topic, and every consuming run reads all of it in a new
 * group, so the two consumers are measured on the same records.
 *
 *   ORBIT_EVENTS_BROKERS=127.0.0.1:59092 node bench/clients/kafka.ts
 */
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { realEngine } from '../../test/support/engines.ts';
import { median, until } from './stats.ts';

const RUN_MS = 5000;
const ROUNDS = 3;
const BATCH = 100;
const PUBLISHERS = 4;
const PARTITIONS = 8;
const KEYS = 50;

interface ClientUnderTest {
  name: string;
  /** Produces batches for RUN_MS from PUBLISHERS loops; resolves with the number of messages acknowledged. */
  produce(topic: string, firstSeq: number): Promise<number>;
  /** Consumes from the earliest offset in a new group until `expected` messages or RUN_MS; resolves with [messages, ms]. */
  consume(topic: string, expected: number): Promise<[number, number]>;
  close(): Promise<void>;
}

function reading(i: number): { key: string; value: string } {
  const spacecraft = `SC-${i % KEYS}`;
  const value = { spacecraft, channel: 'BAT_V', time: new Date(Date.UTC(2031, 0, 1) + i).toISOString(), value: 28.1 + (i % 7) / 10, quality: 'nominal', seq: i, note: 'x'.repeat(60) };
  return { key: spacecraft, value: JSON.stringify(value) };
}

/** Runs `send(seq)` for batches of BATCH from PUBLISHERS loops until RUN_MS has passed; resolves with the messages sent. */
async function publishers(firstSeq: number, send: (seq: number) => Promise<unknown>): Promise<number> {
  let next = firstSeq;
  let sent = 0;
  const deadline = Date.now() + RUN_MS;
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (Date.now() < deadline) {
        const seq = next;
        next += BATCH;
        await send(seq);
        sent += BATCH;
      }
    }),
  );
  return sent;
}

function platformatic(brokers: string[]): ClientUnderTest {
  const producer = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, idempotent: true, acks: ProduceAcks.ALL, serializers: stringSerializers });
  return {
    name: '@platformatic/kafka',
    produce: (topic, firstSeq) =>
      publishers(firstSeq, (seq) => producer.send({ messages: Array.from({ length: BATCH }, (_, i) => ({ topic, ...reading(seq + i) })) })),
    async consume(topic, expected) {
      const consumer = new Consumer({ clientId: 'bench-platformatic', groupId: `bench-${randomUUID()}`, bootstrapBrokers: brokers, deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 1000 });
      try {
        const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true, maxWaitTime: 500 });
        let count = 0;
        let first = 0;
        stream.on('data', () => {
          if (count++ === 0) first = Date.now();
        });
        await until(() => count > 0, Date.now() + 30_000);
        await until(() => count >= expected, first + RUN_MS);
        const ms = Date.now() - first;
        await stream.close();
        return [count, ms];
      } finally {
        await consumer.close(true);
      }
    },
    close: () => producer.close(),
  };
}

function kafkajs(brokers: string[]): ClientUnderTest {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  let connected: Promise<void> | undefined;
  return {
    name: 'kafkajs',
    async produce(topic, firstSeq) {
      await (connected ??= producer.connect());
      return publishers(firstSeq, (seq) => producer.send({ topic, acks: -1, messages: Array.from({ length: BATCH }, (_, i) => reading(seq + i)) }));
    },
    async consume(topic, expected) {
      const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 500 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        let count = 0;
        let first = 0;
        await consumer.run({
          eachBatch: async ({ batch }) => {
            if (count === 0) first = Date.now();
            count += batch.messages.length;
          },
        });
        await until(() => count > 0, Date.now() + 30_000);
        await until(() => count >= expected, first + RUN_MS);
        return [count, Date.now() - first];
      } finally {
        await consumer.disconnect();
      }
    },
    close: () => producer.disconnect(),
  };
}

export async function measure(url: string): Promise<Record<string, number>> {
  const brokers = url.split(',');
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: brokers });
  const topic = `bench.clients.${randomUUID().slice(0, 8)}`;
  const clients = [platformatic(brokers), kafkajs(brokers)];
  const results: Record<string, number> = {};
  try {
    await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
    let total = 0;
    for (const client of clients) {
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const began = Date.now();
        const count = await client.produce(topic, total);
        rates.push((count / (Date.now() - began)) * 1000);
        total += count;
      }
      results[`${client.name} produce msg/s`] = Math.round(median(rates));
    }
    for (const client of clients) {
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const [got, ms] = await client.consume(topic, total);
        rates.push((got / ms) * 1000);
      }
      results[`${client.name} consume msg/s`] = Math.round(median(rates));
    }
    results['records in topic'] = total;
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  }
  return results;
}

if (import.meta.main) {
  const results = await measure(realEngine('ORBIT_EVENTS_BROKERS'));
  console.log(`Kafka clients: ~200 B JSON records, ${PARTITIONS} partitions; produce = ${PUBLISHERS} publishers x batches of ${BATCH}, idempotent, acks=all; consume = new group from earliest; median of ${ROUNDS} x ${RUN_MS / 1000} s`);
  for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(36)} ${value.toLocaleString('en-US').padStart(10)}`);
  console.log(JSON.stringify(results));
}
