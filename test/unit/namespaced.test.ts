import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import { namespacedQueue } from '../../src/engines/queue/namespaced.ts';
import { namespacedLog } from '../../src/engines/events/namespaced.ts';
import { withTempDir } from '../support/temp-store.ts';
import { until } from '../support/wait.ts';

describe('engine namespaces', () => {
  test('two installations on one broker see only their own queues, under the names their code uses', async () => {
    await withTempDir('orbit-ns-', async (dir) => {
      const broker = await EmbeddedTaskQueue.open(dir);
      try {
        const staging = namespacedQueue(broker, 'staging');
        const prod = namespacedQueue(broker, 'prod');
        await staging.assertQueue('work', { maxAttempts: 1, retryDelayMs: 0 });
        await staging.publish('work', { n: 1 });
        assert.deepEqual(await broker.depth('staging.work'), { ready: 1, unacked: 0, deadLettered: 0 });
        assert.deepEqual(await prod.depth('work'), { ready: 0, unacked: 0, deadLettered: 0 });
        const seen: string[] = [];
        const consumer = await staging.consume('work', async (d) => {
          seen.push(d.queue);
          throw new Error('bad work');
        }, { prefetch: 1 });
        await until(async () => assert.equal((await staging.depth('work')).deadLettered, 1));
        await consumer.close();
        assert.deepEqual(seen, ['work']);
        const [letter] = await staging.deadLetters('work');
        assert.deepEqual([letter!.queue, letter!.reason], ['work', 'bad work']);
      } finally {
        await broker.close();
      }
    });
  });

  test('topics and consumer groups are prefixed on the cluster and not in records', async () => {
    await withTempDir('orbit-ns-', async (dir) => {
      const cluster = await EmbeddedEventLog.open(dir);
      try {
        const log = namespacedLog(cluster, 'ci');
        await log.createTopic('alerts', { partitions: 2 });
        await log.publish('alerts', [{ key: 'sat-1', value: 'a' }]);
        assert.equal(await cluster.partitions('ci.alerts'), 2);
        const got: string[] = [];
        const sub = await log.subscribe<string>({ group: 'analyzer', topics: ['alerts'] }, async (records) => {
          for (const r of records) got.push(`${r.topic}:${r.value}`);
        });
        await until(() => assert.deepEqual(got, ['alerts:a']));
        await sub.close();
        const lag = await cluster.lag('ci.analyzer', 'ci.alerts');
        assert.equal(lag.reduce((sum, p) => sum + p.lag, 0), 0, 'the group is committed under its prefixed name');
        assert.ok((await log.lag('analyzer', 'alerts')).every((p) => p.topic === 'alerts'));
      } finally {
        await cluster.close();
      }
    });
  });
});
