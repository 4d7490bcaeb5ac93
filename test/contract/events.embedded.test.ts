import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import { murmur2, partitionForKey } from '../../src/engines/shared/partitioner.ts';
import type { EmbeddedEventLogOptions } from '../../src/engines/events/embedded.ts';
import type { EventRecord } from '../../src/engines/events/port.ts';
import { eventsContract } from './events.contract.ts';
import { reopenable, withTempDir } from '../support/temp-store.ts';
import { until } from '../support/wait.ts';

eventsContract('embedded', async () => {
  const { store, reopen, cleanup } = await reopenable('orbit-events-', (dir) => EmbeddedEventLog.open(dir), { closeOnReopen: true });
  return { log: store, reopen, cleanup };
});

async function withLog(options: EmbeddedEventLogOptions, run: (log: EmbeddedEventLog, dir: string) => Promise<void>): Promise<void> {
  await withTempDir('orbit-events-', async (dir) => {
    const log = await EmbeddedEventLog.open(dir, options);
    try {
      await run(log, dir);
    } finally {
      await log.close();
    }
  });
}

describe('EmbeddedEventLog', () => {
  test('partitions keys as Kafka does, so both engines agree on where a spacecraft lands', () => {
    // Reference values from Kafka's own murmur2 tests.
    assert.equal(murmur2(Buffer.from('21')), -973932308);
    assert.equal(murmur2(Buffer.from('foobar')), -790332482);
    assert.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536);
    assert.equal(murmur2(Buffer.from('a-little-bit-longer-string')), -1486304829);
    assert.equal(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')), -58897971);
    assert.equal(murmur2(Buffer.from('abc')), 479470107);
    assert.equal(partitionForKey('foobar', 8), (-790332482 & 0x7fffffff) % 8);
  });

  test('a topic created by publishing gets defaultPartitions', async () => {
    await withLog({ defaultPartitions: 3 }, async (log) => {
      await log.publish('implicit', [{ key: 'SC-1', value: 1 }]);
      assert.equal(await log.partitions('implicit'), 3);
      await assert.rejects(log.partitions('never-seen'), /unknown topic/);
      await assert.rejects(log.read('implicit', 3, 0, 1), /no partition 3/);
    });
  });

  test('retention deletes the oldest segments beyond the size bound; lagging groups resume at the oldest record kept', async () => {
    await withLog({ segmentBytes: 16 * 1024, retentionBytes: 64 * 1024 }, async (log) => {
      await log.createTopic('telemetry', { partitions: 1 });
      const pad = 'z'.repeat(900);
      for (let round = 0; round < 10; round += 1) {
        await log.publish(
          'telemetry',
          Array.from({ length: 30 }, (_, i) => ({ key: 'SC-1', value: { n: round * 30 + i, pad } })),
        );
      }
      await log.applyRetention();
      const kept = await log.read<{ n: number }>('telemetry', 0, 0, 1000);
      const bytes = kept.length * 1000;
      assert.ok(bytes <= 64 * 1024 + 16 * 1024, `about the size bound is kept (${kept.length} records)`);
      assert.ok(kept.length > 0 && kept[0].offset > 0, 'the oldest records are gone');
      assert.equal(kept[kept.length - 1].value.n, 299, 'the newest records stay');
      assert.deepEqual(
        kept.map((r) => r.value.n),
        kept.map((_, i) => kept[0].offset + i),
      );

      const got: EventRecord<{ n: number }>[] = [];
      const sub = await log.subscribe<{ n: number }>({ group: 'late', topics: ['telemetry'] }, async (batch) => {
        got.push(...batch);
      });
      await until(() => assert.equal(got.length, kept.length));
      assert.equal(got[0].offset, kept[0].offset);
      await sub.close();
    });
  });

  test('retention deletes segments older than the age bound', async () => {
    await withLog({ segmentBytes: 8 * 1024 }, async (log) => {
      await log.createTopic('alerts', { partitions: 1 });
      for (let i = 0; i < 40; i += 1) await log.publish('alerts', [{ key: 'SC-1', value: 'a'.repeat(1000) }]);
      await log.applyRetention(Date.now() + 8 * 24 * 3600 * 1000);
      const kept = await log.read('alerts', 0, 0, 100);
      assert.ok(kept.length > 0 && kept.length < 40, `only the active segment is left (${kept.length} records)`);
      assert.equal(kept[kept.length - 1].offset, 39);
    });
  });
});
