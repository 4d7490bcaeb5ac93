/**
 * The event log contract on a real Kafka broker (ORBIT_EVENTS_BROKERS, or `.engines/env`),
 * plus what only Kafka shows: partitions agree with the embedded log for any partition
 * count, a rebalance does not hand a batch in flight to a second member, and offsets are
 * moved through a live member of the group.
 *
 * Every harness works under a namespace of its own (topics and groups are prefixed) and
 * deletes its topics and groups afterwards.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Admin, Producer } from '@platformatic/kafka';
import { KafkaEventLog, KafkaUnavailableError } from '../../src/engines/events/kafka.ts';
import type { KafkaEventLogOptions } from '../../src/engines/events/kafka.ts';
import { partitionForKey } from '../../src/engines/shared/partitioner.ts';
import { namespacedLog } from '../../src/engines/events/namespaced.ts';
import type { EventLog, EventRecord, Subscription } from '../../src/engines/events/port.ts';
import { eventsContract } from './events.contract.ts';
import { realEngine } from '../support/engines.ts';
import { withHarness } from '../support/temp-store.ts';
import { sleep, until } from '../support/wait.ts';

const brokers = realEngine('ORBIT_EVENTS_BROKERS');
/** Quick to notice a rebalance and to let a closing member go, as a test wants. */
const options: KafkaEventLogOptions = { closeGraceMs: 2000 };

interface Harness {
  log: EventLog;
  /** Prefix of this harness's topics and groups on the broker. */
  namespace: string;
  /** Opens another client on the same namespace (another process, as far as the broker can tell). */
  open: () => Promise<EventLog>;
  reopen: () => Promise<EventLog>;
  cleanup: () => Promise<void>;
}

/** Deletes the topics and consumer groups under `namespace`. */
async function removeNamespace(namespace: string): Promise<void> {
  const admin = new Admin({ clientId: 'orbit-test-cleanup', bootstrapBrokers: brokers.split(',') });
  try {
    const prefix = `${namespace}.`;
    const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups({ groups });
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.close();
  }
}

async function harness(extra: KafkaEventLogOptions = {}): Promise<Harness> {
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const opened: KafkaEventLog[] = [];
  const open = async () => {
    const log = await KafkaEventLog.open(brokers, { ...options, ...extra });
    opened.push(log);
    return namespacedLog(log, namespace);
  };
  return {
    log: await open(),
    namespace,
    open,
    reopen: async () => {
      await opened.at(-1)?.close();
      return open();
    },
    cleanup: async () => {
      for (const log of opened) await log.close();
      await removeNamespace(namespace);
    },
  };
}

eventsContract('kafka', () => harness());

describe('KafkaEventLog', () => {
  test('a key lands on the partition the embedded log picks, also for partition counts that are not powers of two', async () => {
    await withHarness(() => harness(), async ({ log }) => {
      const keys = Array.from({ length: 60 }, (_, i) => `SC-${i}`);
      for (const partitions of [3, 5, 8]) {
        await log.createTopic(`murmur.${partitions}`, { partitions });
        await log.publish(`murmur.${partitions}`, keys.map((key) => ({ key, value: key })));
        for (let p = 0; p < partitions; p += 1) {
          for (const record of await log.read<string>(`murmur.${partitions}`, p, 0, 100)) {
            assert.equal(record.partition, partitionForKey(record.key, partitions), `${record.key} of ${partitions} partitions`);
          }
        }
      }
    });
  });

  test('concurrent publishes are each written once, in call order per key', async () => {
    await withHarness(() => harness(), async ({ log }) => {
      await log.createTopic('concurrent', { partitions: 4 });
      const publishers = 16;
      const rounds = 25;
      await Promise.all(
        Array.from({ length: publishers }, async (_, p) => {
          for (let round = 0; round < rounds; round += 1) {
            await log.publish('concurrent', Array.from({ length: 50 }, (_, i) => ({ key: `P-${p}`, value: { p, n: round * 50 + i } })));
          }
        }),
      );
      const byPublisher = new Map<number, number[]>();
      for (let partition = 0; partition < 4; partition += 1) {
        for (let from = 0; ; ) {
          const page = await log.read<{ p: number; n: number }>('concurrent', partition, from, 5000);
          if (page.length === 0) break;
          for (const r of page) byPublisher.set(r.value.p, [...(byPublisher.get(r.value.p) ?? []), r.value.n]);
          from = page[page.length - 1].offset + 1;
        }
      }
      for (let p = 0; p < publishers; p += 1) {
        assert.deepEqual(byPublisher.get(p), Array.from({ length: rounds * 50 }, (_, n) => n), `publisher ${p}: every event once, in order`);
      }
    });
  });

  test('an event of several MB is published and consumed', async () => {
    await withHarness(() => harness(), async ({ log }) => {
      const big = { readings: 'r'.repeat(3 * 1024 * 1024) };
      await log.publish<unknown>('big', [{ key: 'SC-1', value: big }, { key: 'SC-1', value: { small: true } }]);
      const got: EventRecord<unknown>[] = [];
      const subscription = await log.subscribe({ group: 'big', topics: ['big'] }, async (batch) => {
        got.push(...batch);
      });
      try {
        await until(() => assert.equal(got.length, 2), 15_000);
        assert.deepEqual(got[0].value, big);
        assert.deepEqual(got[1].value, { small: true });
      } finally {
        await subscription.close();
      }
    });
  });

  test('createTopic is idempotent and partitions() rejects a topic that does not exist', async () => {
    await withHarness(() => harness(), async ({ log }) => {
      await log.createTopic('twice', { partitions: 3 });
      await log.createTopic('twice', { partitions: 3 });
      assert.equal(await log.partitions('twice'), 3);
      await assert.rejects(log.partitions('never-seen'), /unknown topic/);
      await assert.rejects(log.read('twice', 3, 0, 1), /no partition 3/);
    });
  });

  test('a batch in flight when another member joins is committed before the partition moves: no record is handled twice', async () => {
    await withHarness(() => harness(), async ({ log }) => {
      await log.createTopic('rebalance', { partitions: 2 });
      const keys = Array.from({ length: 8 }, (_, i) => `SC-${i}`);
      await log.publish('rebalance', keys.flatMap((key) => Array.from({ length: 10 }, (_, n) => ({ key, value: { key, n } }))));
      const seen: string[] = [];
      const subscriptions: Subscription[] = [];
      let slowBatches = 0;
      const member = (slow: boolean) =>
        log.subscribe<{ key: string; n: number }>({ group: 'g', topics: ['rebalance'], maxBatch: 10 }, async (batch) => {
          if (slow && slowBatches++ < 2) await sleep(1500);
          for (const r of batch) seen.push(`${r.partition}:${r.offset}`);
        });
      try {
        subscriptions.push(await member(true));
        await sleep(300);
        subscriptions.push(await member(false));
        await until(() => assert.equal(new Set(seen).size, 80), 20_000);
        await sleep(500);
        assert.equal(seen.length, 80, 'each record handled once');
      } finally {
        for (const s of subscriptions) await s.close();
      }
    });
  });

  test("a group that started from 'latest' keeps that start when its only member leaves before any record", async () => {
    await withHarness(() => harness(), async ({ log }) => {
      await log.createTopic('pinned', { partitions: 2 });
      await log.publish('pinned', [{ key: 'old', value: 'old' }]);
      const first = await log.subscribe({ group: 'dash', topics: ['pinned'], from: 'latest' }, async () => undefined);
      await first.close();
      await log.publish('pinned', [{ key: 'new', value: 'new' }]);
      const got: EventRecord<string>[] = [];
      const second = await log.subscribe<string>({ group: 'dash', topics: ['pinned'], from: 'latest' }, async (batch) => {
        got.push(...batch);
      });
      try {
        await until(() => assert.deepEqual(got.map((r) => r.value), ['new']), 15_000);
      } finally {
        await second.close();
      }
    });
  });

  test('a value another producer wrote as plain text is handed over as text', async () => {
    await withHarness(() => harness(), async ({ log, namespace }) => {
      await log.createTopic('foreign', { partitions: 1 });
      const producer = new Producer({ clientId: 'orbit-test-foreign', bootstrapBrokers: brokers.split(',') });
      try {
        await producer.send({ messages: [{ topic: `${namespace}.foreign`, key: Buffer.from('k'), value: Buffer.from('plain text, not JSON') }] });
      } finally {
        await producer.close();
      }
      const [record] = await log.read<string>('foreign', 0, 0, 1);
      assert.deepEqual([record.key, record.value, record.headers], ['k', 'plain text, not JSON', {}]);
    });
  });

  test('open() rejects, naming Kafka, when no broker answers', async () => {
    await assert.rejects(KafkaEventLog.open('127.0.0.1:1', { reconnectWaitMs: 500 }), (error: Error) => {
      assert.ok(error instanceof KafkaUnavailableError);
      assert.match(error.message, /^kafka \(127\.0\.0\.1:1\) is unreachable/);
      return true;
    });
  });

  test('close() waits for a running handler and commits its batch', async () => {
    await withHarness(() => harness(), async ({ log, reopen }) => {
      await log.createTopic('grace', { partitions: 1 });
      await log.publish('grace', [{ key: 'SC-1', value: 1 }]);
      let finished = false;
      let started = false;
      await log.subscribe({ group: 'slow', topics: ['grace'] }, async () => {
        started = true;
        await sleep(700);
        finished = true;
      });
      await until(() => assert.ok(started), 15_000);
      const again = await reopen();
      assert.ok(finished, 'the handler ran to its end before close() resolved');
      assert.equal((await again.lag('slow', 'grace'))[0].lag, 0, 'and its batch was committed');
    });
  });
});
