/**
 * The two Node AMQP clients side by side on the broker Orbit runs, on the queue type the
 * task queue adapter uses (durable quorum queue, persistent ~1 KB JSON messages):
 *  - produced: messages/s confirmed by the broker, with PUBLISHERS publishes in flight,
 *    each awaiting its own confirm (as concurrent ingest requests do);
 *  - consumed: messages/s delivered and acked one by one with prefetch PREFETCH, draining
 *    what the produce run left (stops early when drained).
 * Each figure is the median of 3 runs of about 5 s.
 *
 *   ORBIT_QUEUE_URL=amqp://user:password@127.0.0.1:55672/ node bench/clients/rabbitmq.ts
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Connection as RabbitClient } from 'rabbitmq-client';
import { realEngine } from '../../test/support/engines.ts';
import { median, until } from './stats.ts';

const RUN_MS = 5000;
const ROUNDS = 3;
const PUBLISHERS = 64;
const PREFETCH = 64;
const QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum' } as const;

interface ClientUnderTest {
  name: string;
  /** Publishes for RUN_MS from PUBLISHERS loops; resolves with the messages the broker confirmed. */
  produce(queue: string): Promise<number>;
  /** Consumes and acks until `expected` messages or RUN_MS; resolves with [messages, ms]. */
  consume(queue: string, expected: number): Promise<[number, number]>;
  deleteQueue(queue: string): Promise<void>;
  close(): Promise<void>;
}

const body = Buffer.from(
  JSON.stringify({
    spacecraft: 'SC-007',
    readings: Array.from({ length: 10 }, (_, k) => ({ channel: `CH_${k}`, time: new Date(Date.UTC(2031, 0, 1) + k).toISOString(), value: 28.1 + k / 10, quality: 'nominal' })),
  }),
);

async function publishers(send: () => Promise<unknown>): Promise<number> {
  let confirmed = 0;
  const deadline = Date.now() + RUN_MS;
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (Date.now() < deadline) {
        await send();
        confirmed += 1;
      }
    }),
  );
  return confirmed;
}

async function amqplibClient(url: string): Promise<ClientUnderTest> {
  const connection = await amqp.connect(url);
  const publishing = await connection.createConfirmChannel();
  return {
    name: 'amqplib',
    async produce(queue) {
      await publishing.assertQueue(queue, { durable: true, arguments: QUEUE_ARGUMENTS });
      return publishers(
        () =>
          new Promise<void>((resolve, reject) => {
            publishing.sendToQueue(queue, body, { persistent: true, contentType: 'application/json', messageId: randomUUID() }, (error) => (error ? reject(error) : resolve()));
          }),
      );
    },
    async consume(queue, expected) {
      const channel = await connection.createChannel();
      await channel.prefetch(PREFETCH);
      let received = 0;
      const began = performance.now();
      const { consumerTag } = await channel.consume(queue, (message) => {
        if (!message) return;
        JSON.parse(message.content.toString('utf8'));
        channel.ack(message);
        received += 1;
      });
      await until(() => received >= expected, Date.now() + RUN_MS);
      const ms = performance.now() - began;
      await channel.cancel(consumerTag);
      await channel.close();
      return [received, ms];
    },
    async deleteQueue(queue) {
      await publishing.deleteQueue(queue);
    },
    async close() {
      await connection.close();
    },
  };
}

async function rabbitmqClient(url: string): Promise<ClientUnderTest> {
  const connection = new RabbitClient({ url, retryLow: 100, retryHigh: 1000 });
  await connection.onConnect(5000);
  const publishing = await connection.acquire();
  await publishing.confirmSelect();
  return {
    name: 'rabbitmq-client',
    async produce(queue) {
      await publishing.queueDeclare({ queue, durable: true, arguments: QUEUE_ARGUMENTS });
      return publishers(() => publishing.basicPublish({ routingKey: queue, durable: true, contentType: 'application/json', messageId: randomUUID() }, body));
    },
    async consume(queue, expected) {
      const channel = await connection.acquire();
      await channel.basicQos({ prefetchCount: PREFETCH });
      let received = 0;
      const began = performance.now();
      const { consumerTag } = await channel.basicConsume({ queue }, (message) => {
        // Deliveries already buffered still arrive after the channel closed.
        if (!channel.active) return;
        JSON.parse(Buffer.isBuffer(message.body) ? message.body.toString('utf8') : JSON.stringify(message.body));
        channel.basicAck({ deliveryTag: message.deliveryTag });
        received += 1;
      });
      await until(() => received >= expected, Date.now() + RUN_MS);
      const ms = performance.now() - began;
      await channel.basicCancel(consumerTag);
      await channel.close();
      return [received, ms];
    },
    async deleteQueue(queue) {
      await publishing.queueDelete({ queue });
    },
    async close() {
      await publishing.close();
      await connection.close();
    },
  };
}

export async function measure(url: string): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const open of [amqplibClient, rabbitmqClient]) {
    const client = await open(url);
    const produced: number[] = [];
    const consumed: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        const queue = `bench.clients.${client.name}.${randomUUID().slice(0, 8)}`;
        try {
          const began = performance.now();
          const confirmed = await client.produce(queue);
          produced.push((confirmed / (performance.now() - began)) * 1000);
          const [received, ms] = await client.consume(queue, confirmed);
          consumed.push((received / ms) * 1000);
        } finally {
          await client.deleteQueue(queue);
        }
      }
    } finally {
      await client.close();
    }
    results[`${client.name}.produced_msgs_per_s`] = Math.round(median(produced));
    results[`${client.name}.consumed_msgs_per_s`] = Math.round(median(consumed));
  }
  return results;
}

if (import.meta.main) {
  const results = await measure(realEngine('ORBIT_QUEUE_URL'));
  console.log(
    `RabbitMQ clients: ~${body.length} B JSON, durable quorum queue, persistent messages; produced = ${PUBLISHERS} publishes in flight, each awaiting its confirm; consumed = prefetch ${PREFETCH}, one ack per message; median of ${ROUNDS} x ${RUN_MS / 1000} s`,
  );
  for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(36)} ${value.toLocaleString('en-US').padStart(10)} msg/s`);
  console.log(JSON.stringify(results));
}
