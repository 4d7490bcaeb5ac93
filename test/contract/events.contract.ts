/**
 * Behaviour every EventLog implementation must show, written against the port only so
 * the embedded engine and the Kafka adapter run the very same suite.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { partitionForKey, type EventLog, type EventRecord, type OutgoingEvent, type StartFrom, type Subscription } from '../../src/engines/events/port.ts';
import { sleep, until } from '../support/wait.ts';

export interface EventsHarness {
  log: EventLog;
  /** Closes the current log and opens the same store again (a new client, for a broker). */
  reopen: () => Promise<EventLog>;
  /** Closes whatever log is current and removes the store's data. */
  cleanup: () => Promise<void>;
}

/** A broker may take seconds to rebalance a consumer group. */
const SETTLE_MS = 15_000;

function unique(purpose: string): string {
  return `contract.${purpose}.${randomUUID().slice(0, 8)}`;
}

interface Reading {
  key: string;
  n: number;
}

/** Identity of a record within a topic. */
const where = (r: EventRecord<unknown>) => `${r.partition}:${r.offset}`;

async function readAll<T>(log: EventLog, topic: string): Promise<EventRecord<T>[]> {
  const out: EventRecord<T>[] = [];
  const partitions = await log.partitions(topic);
  for (let p = 0; p < partitions; p += 1) {
    for (let from = 0; ; ) {
      const page = await log.read<T>(topic, p, from, 100);
      if (page.length === 0) break;
      out.push(...page);
      from = page[page.length - 1].offset + 1;
    }
  }
  return out;
}

export function eventsContract(name: string, open: () => Promise<EventsHarness>): void {
  describe(`EventLog contract: ${name}`, () => {
    let harness: EventsHarness;
    let log: EventLog;
    let subscriptions: Subscription[];

    beforeEach(async () => {
      harness = await open();
      log = harness.log;
      subscriptions = [];
    });

    afterEach(async () => {
      await Promise.allSettled(subscriptions.map((s) => s.close()));
      await harness.cleanup();
    });

    /** Subscribes and gathers every record handed over. */
    async function collect<T>(group: string, topic: string, from: StartFrom = 'earliest', maxBatch?: number) {
      const records: EventRecord<T>[] = [];
      const subscription = await log.subscribe<T>({ group, topics: [topic], from, maxBatch }, async (batch) => {
        records.push(...batch);
      });
      subscriptions.push(subscription);
      return { records, subscription };
    }

    async function publishReadings(topic: string, keys: string[], from: number, to: number): Promise<void> {
      const events: OutgoingEvent<Reading>[] = [];
      for (let n = from; n < to; n += 1) for (const key of keys) events.push({ key, value: { key, n } });
      await log.publish(topic, events);
    }

    test('events with the same key land on one partition and keep their order', async () => {
      const topic = unique('order');
      await log.createTopic(topic, { partitions: 4 });
      assert.equal(await log.partitions(topic), 4);
      const keys = Array.from({ length: 12 }, (_, i) => `SC-${i + 1}`);
      await publishReadings(topic, keys, 0, 5);
      await publishReadings(topic, keys, 5, 10);

      const stored = await readAll<Reading>(log, topic);
      assert.equal(stored.length, 120);
      const partitionOf = new Map<string, Set<number>>();
      for (const r of stored) partitionOf.set(r.key, (partitionOf.get(r.key) ?? new Set()).add(r.partition));
      for (const [key, set] of partitionOf) assert.equal(set.size, 1, `${key} is spread over partitions ${[...set]}`);
      // Readers that look for one key's newest events (the alert publisher) find its partition without scanning the others.
      for (const [key, set] of partitionOf) assert.deepEqual([...set], [partitionForKey(key, 4)], `${key} lands where partitionForKey says`);
      assert.ok(new Set(stored.map((r) => r.partition)).size >= 2, 'keys are spread over partitions');
      for (const key of keys) {
        assert.deepEqual(
          stored.filter((r) => r.key === key).map((r) => r.value.n),
          [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        );
      }

      const { records } = await collect<Reading>(unique('g'), topic, 'earliest', 7);
      await until(() => assert.equal(records.length, 120), SETTLE_MS);
      for (const key of keys) {
        const mine = records.filter((r) => r.key === key);
        assert.deepEqual(
          mine.map((r) => r.value.n),
          [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
          `order of ${key} as delivered`,
        );
        assert.ok(mine.every((r) => r.partition === [...(partitionOf.get(key) as Set<number>)][0]));
      }
    });

    test('records carry topic, key, value, headers and timestamp', async () => {
      const topic = unique('fields');
      await log.createTopic(topic, { partitions: 2 });
      const at = Date.now() - 5000;
      await log.publish(topic, [
        { key: 'SC-7', value: { channel: 'TEMP', value: -12.5 }, headers: { traceparent: '00-abc-def-01' }, timestamp: at },
        { key: 'SC-7', value: { channel: 'TEMP', value: -12.0 } },
      ]);
      const { records } = await collect<{ channel: string; value: number }>(unique('g'), topic);
      await until(() => assert.equal(records.length, 2), SETTLE_MS);
      const [first, second] = records;
      assert.equal(first.topic, topic);
      assert.equal(first.key, 'SC-7');
      assert.deepEqual(first.value, { channel: 'TEMP', value: -12.5 });
      assert.equal(first.headers.traceparent, '00-abc-def-01');
      assert.equal(first.timestamp, at);
      assert.equal(second.partition, first.partition);
      assert.equal(second.offset, first.offset + 1);
      assert.ok(Math.abs(second.timestamp - Date.now()) < 60_000, 'timestamp defaults to now');
    });

    test('each group sees every record, including ones published while subscribed', async () => {
      const topic = unique('fanout');
      await log.createTopic(topic, { partitions: 3 });
      const keys = ['SC-1', 'SC-2', 'SC-3', 'SC-4', 'SC-5'];
      await publishReadings(topic, keys, 0, 6);
      const a = await collect<Reading>(unique('enricher'), topic);
      const b = await collect<Reading>(unique('analyzer'), topic);
      await until(() => assert.equal(a.records.length, 30), SETTLE_MS);
      await publishReadings(topic, keys, 6, 8);
      await until(() => assert.equal(a.records.length, 40), SETTLE_MS);
      await until(() => assert.equal(b.records.length, 40), SETTLE_MS);
      await sleep(200);
      for (const { records } of [a, b]) {
        assert.equal(records.length, 40);
        assert.equal(new Set(records.map(where)).size, 40);
      }
    });

    test('members of one group split the partitions and together see each record once', async () => {
      const topic = unique('split');
      await log.createTopic(topic, { partitions: 4 });
      const group = unique('processor');
      const got: { member: string; record: EventRecord<Reading> }[] = [];
      const join = async (member: string) => {
        const subscription = await log.subscribe<Reading>({ group, topics: [topic] }, async (batch) => {
          for (const record of batch) got.push({ member, record });
        });
        subscriptions.push(subscription);
        return subscription;
      };
      await join('A');
      const b = await join('B');
      const keys = Array.from({ length: 16 }, (_, i) => `SC-${i}`);
      await publishReadings(topic, keys, 0, 5);

      await until(() => assert.equal(got.length, 80), SETTLE_MS);
      await sleep(200);
      assert.equal(got.length, 80, 'no record handed out twice');
      assert.equal(new Set(got.map((g) => where(g.record))).size, 80);
      const partitionsOf = (member: string) => new Set(got.filter((g) => g.member === member).map((g) => g.record.partition));
      const [ofA, ofB] = [partitionsOf('A'), partitionsOf('B')];
      assert.ok(ofA.size > 0 && ofB.size > 0, `both members got partitions: A ${[...ofA]}, B ${[...ofB]}`);
      assert.deepEqual([...ofA].filter((p) => ofB.has(p)), [], 'a partition belongs to one member');

      await b.close();
      await publishReadings(topic, keys, 5, 7);
      await until(() => assert.equal(got.length, 112), SETTLE_MS);
      await sleep(200);
      assert.equal(got.length, 112);
      assert.ok(
        got.slice(80).every((g) => g.member === 'A'),
        'after B left, A takes over all partitions',
      );
      assert.equal(new Set(got.map((g) => where(g.record))).size, 112);
    });

    test('committed offsets survive a reopen: a group resumes after what it processed', async () => {
      const topic = unique('resume');
      await log.createTopic(topic, { partitions: 2 });
      const group = unique('g');
      await publishReadings(topic, ['SC-1', 'SC-2'], 0, 10);
      const first = await collect<Reading>(group, topic);
      await until(() => assert.equal(first.records.length, 20), SETTLE_MS);
      await first.subscription.close();

      log = await harness.reopen();
      assert.equal((await readAll(log, topic)).length, 20, 'records are durable');
      await publishReadings(topic, ['SC-1', 'SC-2'], 10, 12);
      const second = await collect<Reading>(group, topic);
      await until(() => assert.equal(second.records.length, 4), SETTLE_MS);
      await sleep(200);
      assert.deepEqual(second.records.map((r) => r.value.n).sort(), [10, 10, 11, 11]);
    });

    test('a failing handler gets the same batch again and the offset does not advance', async () => {
      const topic = unique('retry');
      await log.createTopic(topic, { partitions: 1 });
      await log.publish(
        topic,
        [0, 1, 2, 3, 4].map((n) => ({ key: 'SC-1', value: { key: 'SC-1', n } })),
      );
      const group = unique('g');
      const calls: number[][] = [];
      let failing = true;
      const subscription = await log.subscribe<Reading>({ group, topics: [topic] }, async (batch) => {
        calls.push(batch.map((r) => r.value.n));
        if (failing) throw new Error('relational store unavailable');
      });
      subscriptions.push(subscription);

      await until(() => assert.ok(calls.length >= 3), SETTLE_MS);
      assert.deepEqual(calls[1], calls[0], 'the failed batch is offered again');
      assert.deepEqual(calls[2], calls[0]);
      assert.equal(calls[0][0], 0);
      const [stuck] = await log.lag(group, topic);
      assert.equal(stuck.lag, 5, 'nothing committed while the handler fails');

      failing = false;
      await until(async () => assert.equal((await log.lag(group, topic))[0].lag, 0), SETTLE_MS);
      const delivered = calls.flat();
      assert.deepEqual([...new Set(delivered)].sort(), [0, 1, 2, 3, 4]);
    });

    test("a group starting from 'latest' skips history", async () => {
      const topic = unique('latest');
      await log.createTopic(topic, { partitions: 2 });
      await publishReadings(topic, ['old-1', 'old-2'], 0, 5);
      const { records } = await collect<Reading>(unique('dashboard'), topic, 'latest');
      await log.publish(topic, [
        { key: 'new-1', value: { key: 'new-1', n: 100 } },
        { key: 'new-2', value: { key: 'new-2', n: 101 } },
        { key: 'new-1', value: { key: 'new-1', n: 102 } },
      ]);
      await until(() => assert.equal(records.length, 3), SETTLE_MS);
      await sleep(200);
      assert.deepEqual(records.map((r) => r.value.n).sort(), [100, 101, 102]);
    });

    test('read() replays a partition from an offset', async () => {
      const topic = unique('read');
      await log.createTopic(topic, { partitions: 1 });
      const base = Date.now() - 60_000;
      await log.publish(
        topic,
        Array.from({ length: 10 }, (_, n) => ({ key: `SC-${n % 3}`, value: { n }, headers: { seq: String(n) }, timestamp: base + n })),
      );
      const page = await log.read<{ n: number }>(topic, 0, 4, 3);
      assert.deepEqual(
        page.map((r) => [r.offset, r.value.n, r.key, r.headers.seq, r.timestamp]),
        [
          [4, 4, 'SC-1', '4', base + 4],
          [5, 5, 'SC-2', '5', base + 5],
          [6, 6, 'SC-0', '6', base + 6],
        ],
      );
      assert.ok(page.every((r) => r.topic === topic && r.partition === 0));
      assert.deepEqual(
        (await log.read<{ n: number }>(topic, 0, 8, 10)).map((r) => r.offset),
        [8, 9],
      );
      assert.deepEqual(await log.read(topic, 0, 10, 5), []);
    });

    test('offsetForTime finds where to replay a partition from a point in time', async () => {
      const topic = unique('seek');
      await log.createTopic(topic, { partitions: 1 });
      const base = Date.now() - 3_600_000;
      await log.publish(
        topic,
        Array.from({ length: 10 }, (_, n) => ({ key: 'SC-1', value: { key: 'SC-1', n }, timestamp: base + n * 1000 })),
      );
      assert.equal(await log.offsetForTime(topic, 0, base + 4500), 5);
      assert.equal(await log.offsetForTime(topic, 0, base + 5000), 5);
      assert.equal(await log.offsetForTime(topic, 0, base - 1), 0);
      assert.equal(await log.offsetForTime(topic, 0, Date.now() + 3_600_000), 10, 'the end offset when no record is that late');

      // Replay from a time: read from the offset it names, as orbit replay does.
      const from = await log.offsetForTime(topic, 0, base + 5000);
      assert.deepEqual(
        (await log.read<Reading>(topic, 0, from, 100)).map((r) => r.value.n),
        [5, 6, 7, 8, 9],
      );
    });

    test('lag() reports the records a group has not yet processed', async () => {
      const topic = unique('lag');
      await log.createTopic(topic, { partitions: 2 });
      const group = unique('g');
      const keys = ['SC-1', 'SC-2', 'SC-3'];
      await publishReadings(topic, keys, 0, 2);
      const { records, subscription } = await collect<Reading>(group, topic);
      await until(() => assert.equal(records.length, 6), SETTLE_MS);
      await until(async () => {
        const lag = await log.lag(group, topic);
        assert.equal(lag.length, 2);
        assert.equal(lag.reduce((sum, p) => sum + p.lag, 0), 0);
      }, SETTLE_MS);
      await subscription.close();

      await log.publish(
        topic,
        Array.from({ length: 7 }, (_, n) => ({ key: keys[n % 3], value: { key: keys[n % 3], n } })),
      );
      const lag = await log.lag(group, topic);
      assert.deepEqual(
        lag.map((p) => p.partition).sort(),
        [0, 1],
      );
      for (const p of lag) {
        assert.equal(p.topic, topic);
        assert.equal(p.lag, p.end - p.committed);
      }
      assert.equal(lag.reduce((sum, p) => sum + p.lag, 0), 7);
    });

    test('publishing to a topic that was never created creates it', async () => {
      const topic = unique('implicit');
      await log.publish(topic, [{ key: 'SC-1', value: 'hello' }]);
      assert.ok((await log.partitions(topic)) >= 1);
      const stored = await readAll<string>(log, topic);
      assert.deepEqual(
        stored.map((r) => r.value),
        ['hello'],
      );
      await log.createTopic(topic, { partitions: await log.partitions(topic) });
      assert.equal(log.isReady(), true);
    });
  });
}
