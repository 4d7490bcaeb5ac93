/**
 * Behaviour every TaskQueue implementation must show, written against the port only so
 * the embedded engine and the RabbitMQ adapter run the very same suite.
 *
 * Depth figures may lag behind in a real broker, so they are polled until they match.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Consumer, Delivery, TaskQueue } from '../../src/engines/queue/port.ts';
import { sleep, until } from '../support/wait.ts';

export interface QueueHarness {
  queue: TaskQueue;
  /** Closes the current queue and opens the same store again (a new connection, for a broker). */
  reopen: () => Promise<TaskQueue>;
  /** Closes whatever queue is current and removes the store's data. */
  cleanup: () => Promise<void>;
}

/** A broker reports depth and redeliveries with some lag. */
const SETTLE_MS = 10_000;

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** A name no other test (or earlier run against a shared broker) uses. */
function queueName(purpose: string): string {
  return `contract.${purpose}.${randomUUID().slice(0, 8)}`;
}

export function queueContract(name: string, open: () => Promise<QueueHarness>): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let harness: QueueHarness;
    let queue: TaskQueue;
    let consumers: Consumer[];
    let gates: (() => void)[];

    beforeEach(async () => {
      harness = await open();
      queue = harness.queue;
      consumers = [];
      gates = [];
    });

    afterEach(async () => {
      for (const release of gates) release();
      await Promise.allSettled(consumers.map((c) => c.close()));
      await harness.cleanup();
    });

    async function consume(q: string, handler: (d: Delivery<unknown>) => Promise<void>, prefetch = 1): Promise<Consumer> {
      const consumer = await queue.consume(q, handler, { prefetch });
      consumers.push(consumer);
      return consumer;
    }

    /** Consumes until `count` deliveries arrived (acking them by returning), then stops. */
    async function receive(q: string, count: number, prefetch = 10): Promise<Delivery<unknown>[]> {
      const got: Delivery<unknown>[] = [];
      const consumer = await consume(
        q,
        async (d) => {
          got.push(d);
        },
        prefetch,
      );
      await until(() => assert.ok(got.length >= count, `expected ${count} deliveries, got ${got.length}`), SETTLE_MS);
      await consumer.close();
      return got;
    }

    async function expectDepth(q: string, ready: number, unacked: number, deadLettered: number): Promise<void> {
      await until(async () => assert.deepEqual(await queue.depth(q), { ready, unacked, deadLettered }), SETTLE_MS);
    }

    test('delivers a published message with its id, body and headers, then it is gone', async () => {
      const q = queueName('roundtrip');
      await queue.assertQueue(q);
      assert.equal(queue.isReady(), true);
      const before = Date.now();
      const body = { spacecraft: 'SC-1', readings: [{ channel: 'BAT_V', value: 28.1 }] };
      const id = await queue.publish(q, body, {
        id: 'batch-0001',
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-source': 'ingest' },
      });
      assert.equal(id, 'batch-0001');

      const [delivery] = await receive(q, 1);
      assert.equal(delivery.id, 'batch-0001');
      assert.equal(delivery.queue, q);
      assert.deepEqual(delivery.body, body);
      assert.equal(delivery.headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      assert.equal(delivery.headers['x-source'], 'ingest');
      assert.equal(delivery.attempt, 1);
      assert.ok(delivery.publishedAt >= before - 1000 && delivery.publishedAt <= Date.now() + 1000, 'publishedAt is the publish time');
      await expectDepth(q, 0, 0, 0);
    });

    test('generates distinct ids when the publisher gives none', async () => {
      const q = queueName('ids');
      const first = await queue.publish(q, 'a');
      const second = await queue.publish(q, 'b');
      assert.ok(first.length > 0 && second.length > 0);
      assert.notEqual(first, second);
      const got = await receive(q, 2);
      assert.deepEqual(new Map(got.map((d) => [d.id, d.body])), new Map([[first, 'a'], [second, 'b']]));
    });

    test('publishing to an undeclared queue declares it, and assertQueue is idempotent', async () => {
      const q = queueName('implicit');
      await queue.publish(q, { n: 1 });
      await expectDepth(q, 1, 0, 0);
      await queue.assertQueue(q, { maxAttempts: 3 });
      await queue.assertQueue(q, { maxAttempts: 3 });
      const [delivery] = await receive(q, 1);
      assert.deepEqual(delivery.body, { n: 1 });
    });

    test('competing consumers share the messages and each message is handled once', async () => {
      const q = queueName('competing');
      await queue.assertQueue(q);
      const handledBy = new Map<string, number[]>();
      for (const index of [0, 1, 2]) {
        await consume(
          q,
          async (d) => {
            handledBy.set(d.id, [...(handledBy.get(d.id) ?? []), index]);
            await sleep(5);
          },
          2,
        );
      }
      const ids = Array.from({ length: 60 }, (_, i) => `job-${i}`);
      await Promise.all(ids.map((id, i) => queue.publish(q, { i }, { id })));

      await until(() => assert.equal(handledBy.size, ids.length), SETTLE_MS);
      await sleep(200);
      assert.deepEqual([...handledBy.keys()].sort(), [...ids].sort());
      for (const [id, by] of handledBy) assert.equal(by.length, 1, `${id} handled ${by.length} times`);
      const perConsumer = [0, 1, 2].map((c) => [...handledBy.values()].filter((by) => by[0] === c).length);
      assert.ok(perConsumer.every((n) => n > 0), `every consumer took part: ${perConsumer.join(', ')}`);
      await expectDepth(q, 0, 0, 0);
    });

    test('prefetch bounds the unsettled deliveries a consumer holds', async () => {
      const q = queueName('prefetch');
      await queue.assertQueue(q);
      for (let i = 0; i < 10; i += 1) await queue.publish(q, { i });
      const release = gate();
      gates.push(release.open);
      let holding = 0;
      let most = 0;
      let done = 0;
      await consume(
        q,
        async () => {
          holding += 1;
          most = Math.max(most, holding);
          await release.wait;
          holding -= 1;
          done += 1;
        },
        3,
      );
      await until(() => assert.equal(holding, 3), SETTLE_MS);
      await sleep(150);
      assert.equal(holding, 3, 'no fourth delivery while three are unsettled');
      await expectDepth(q, 7, 3, 0);

      release.open();
      await until(() => assert.equal(done, 10), SETTLE_MS);
      assert.equal(most, 3);
      await expectDepth(q, 0, 0, 0);
    });

    test('an explicit ack frees the prefetch slot even while the handler keeps running', async () => {
      const q = queueName('early-ack');
      await queue.assertQueue(q);
      for (let i = 0; i < 4; i += 1) await queue.publish(q, { i });
      const release = gate();
      gates.push(release.open);
      const started: number[] = [];
      await consume(
        q,
        async (d) => {
          started.push((d.body as { i: number }).i);
          await d.ack();
          await release.wait;
        },
        1,
      );
      await until(() => assert.equal(started.length, 4), SETTLE_MS);
      await expectDepth(q, 0, 0, 0);
    });

    test('a nacked message comes back with attempt + 1 after the retry delay, doubling each time', async () => {
      const q = queueName('retry');
      await queue.assertQueue(q, { maxAttempts: 4, retryDelayMs: 150 });
      await queue.publish(q, { reading: 42 }, { id: 'retry-1', headers: { kind: 'batch' } });
      const seen: { id: string; attempt: number; at: number; body: unknown; headers: Record<string, string> }[] = [];
      await consume(q, async (d) => {
        seen.push({ id: d.id, attempt: d.attempt, at: Date.now(), body: d.body, headers: d.headers });
        if (d.attempt < 3) await d.nack('store unavailable');
      });
      await until(() => assert.equal(seen.length, 3), SETTLE_MS);
      assert.deepEqual(
        seen.map((s) => s.attempt),
        [1, 2, 3],
      );
      for (const s of seen) {
        assert.equal(s.id, 'retry-1');
        assert.deepEqual(s.body, { reading: 42 });
        assert.equal(s.headers.kind, 'batch');
      }
      // Lower bounds only, with slack for timer granularity.
      assert.ok(seen[1].at - seen[0].at >= 120, `first retry after ${seen[1].at - seen[0].at} ms, expected ~150`);
      assert.ok(seen[2].at - seen[1].at >= 240, `second retry after ${seen[2].at - seen[1].at} ms, expected ~300`);
      await expectDepth(q, 0, 0, 0);
      assert.deepEqual(await queue.deadLetters(q), []);
    });

    test('a message that keeps failing is dead-lettered with the reason after maxAttempts', async () => {
      const q = queueName('poison');
      await queue.assertQueue(q, { maxAttempts: 3, retryDelayMs: 20 });
      const before = Date.now();
      await queue.publish(q, { channel: 'NOPE' }, { id: 'poison-1', headers: { source: 'SC-9' } });
      const attempts: number[] = [];
      await consume(q, async (d) => {
        attempts.push(d.attempt);
        await d.nack(`unknown channel NOPE (attempt ${d.attempt})`);
      });

      await until(async () => assert.equal((await queue.deadLetters(q)).length, 1), SETTLE_MS);
      const [dead] = await queue.deadLetters<{ channel: string }>(q);
      assert.equal(dead.id, 'poison-1');
      assert.equal(dead.queue, q);
      assert.deepEqual(dead.body, { channel: 'NOPE' });
      assert.equal(dead.headers.source, 'SC-9');
      assert.equal(dead.reason, 'unknown channel NOPE (attempt 3)');
      assert.equal(dead.attempt, 3);
      assert.ok(dead.publishedAt >= before - 1000);
      assert.ok(dead.deadAt >= dead.publishedAt - 1000 && dead.deadAt <= Date.now() + 1000);
      await expectDepth(q, 0, 0, 1);
      await sleep(150);
      assert.deepEqual(attempts, [1, 2, 3], 'no delivery after the message was dead-lettered');
    });

    test('a handler that throws nacks its delivery with the error message as reason', async () => {
      const q = queueName('throws');
      await queue.assertQueue(q, { maxAttempts: 2, retryDelayMs: 20 });
      await queue.publish(q, { value: 'NaN' }, { id: 'bad-1' });
      const attempts: number[] = [];
      await consume(q, async (d) => {
        attempts.push(d.attempt);
        throw new Error('reading value is not a number');
      });
      await until(async () => assert.equal((await queue.deadLetters(q)).length, 1), SETTLE_MS);
      const [dead] = await queue.deadLetters(q);
      assert.equal(dead.id, 'bad-1');
      assert.equal(dead.reason, 'reading value is not a number');
      assert.deepEqual(attempts, [1, 2]);
      await expectDepth(q, 0, 0, 1);
    });

    test('deadLetters() honours its limit', async () => {
      const q = queueName('dead-limit');
      await queue.assertQueue(q, { maxAttempts: 1, retryDelayMs: 10 });
      for (let i = 0; i < 3; i += 1) await queue.publish(q, { i }, { id: `dl-${i}` });
      await consume(q, async () => {
        throw new Error('always fails');
      });
      await expectDepth(q, 0, 0, 3);
      assert.equal((await queue.deadLetters(q)).length, 3);
      const two = await queue.deadLetters(q, 2);
      assert.equal(two.length, 2);
      for (const dead of two) assert.match(dead.id, /^dl-[0-2]$/);
    });

    test('a consumer closed with an unsettled message hands it to another consumer', async () => {
      const q = queueName('handover');
      await queue.assertQueue(q);
      await queue.publish(q, { job: 'propagate' }, { id: 'held-1' });
      const stuck = gate();
      gates.push(stuck.open);
      const heldByA: Delivery<unknown>[] = [];
      const a = await consume(q, async (d) => {
        heldByA.push(d);
        await stuck.wait;
      });
      await until(() => assert.equal(heldByA.length, 1), SETTLE_MS);

      const gotByB: Delivery<unknown>[] = [];
      await consume(q, async (d) => {
        gotByB.push(d);
      });
      await sleep(200);
      assert.equal(gotByB.length, 0, 'not given to B while A holds it');

      await a.close();
      await until(() => assert.equal(gotByB.length, 1), SETTLE_MS);
      assert.equal(gotByB[0].id, 'held-1');
      assert.deepEqual(gotByB[0].body, { job: 'propagate' });
      assert.ok(gotByB[0].attempt >= 2, `a redelivery counts as an attempt (got ${gotByB[0].attempt})`);

      stuck.open();
      await sleep(200);
      assert.equal(gotByB.length, 1, 'A finishing late does not bring the message back');
      await expectDepth(q, 0, 0, 0);
    });

    test('messages published before a reopen are delivered after it', async () => {
      const q = queueName('durable');
      await queue.assertQueue(q);
      const ids = await Promise.all(
        Array.from({ length: 5 }, (_, i) => queue.publish(q, { i, text: 'ü∆ – telemetry' }, { id: `keep-${i}`, headers: { n: String(i) } })),
      );
      queue = await harness.reopen();
      const got = await receive(q, 5);
      assert.deepEqual(got.map((d) => d.id).sort(), [...ids].sort());
      for (const d of got) {
        const i = Number(d.id.slice('keep-'.length));
        assert.deepEqual(d.body, { i, text: 'ü∆ – telemetry' });
        assert.equal(d.headers.n, String(i));
      }
    });

    test('after a reopen, acked messages stay gone and a message unsettled at close comes back', async () => {
      const q = queueName('reopen');
      await queue.assertQueue(q);
      for (const id of ['acked-1', 'acked-2', 'acked-3']) await queue.publish(q, { id }, { id });
      const acked: string[] = [];
      const first = await consume(q, async (d) => {
        await d.ack();
        acked.push(d.id);
      });
      await until(() => assert.equal(acked.length, 3), SETTLE_MS);
      await first.close();

      await queue.publish(q, { id: 'inflight-1' }, { id: 'inflight-1' });
      const stuck = gate();
      gates.push(stuck.open);
      let holding = false;
      await consume(q, async () => {
        holding = true;
        await stuck.wait;
      });
      await until(() => assert.equal(holding, true), SETTLE_MS);

      queue = await harness.reopen();
      stuck.open();
      await queue.publish(q, { id: 'after-1' }, { id: 'after-1' });
      const seen: string[] = [];
      await consume(q, async (d) => {
        seen.push(d.id);
      });
      await until(() => assert.equal(seen.length, 2), SETTLE_MS);
      await sleep(200);
      assert.deepEqual([...seen].sort(), ['after-1', 'inflight-1']);
      await expectDepth(q, 0, 0, 0);
    });
  });
}
