import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import type { EmbeddedTaskQueueOptions } from '../../src/engines/queue/embedded.ts';
import type { Delivery } from '../../src/engines/queue/port.ts';
import { queueContract } from './queue.contract.ts';
import { reopenable, withTempDir } from '../support/temp-store.ts';
import { sleep, until } from '../support/wait.ts';

const options: EmbeddedTaskQueueOptions = { closeGraceMs: 300 };

queueContract('embedded', async () => {
  const { store, reopen, cleanup } = await reopenable('orbit-queue-', (dir) => EmbeddedTaskQueue.open(dir, options), { closeOnReopen: true });
  return { queue: store, reopen, cleanup };
});

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

describe('EmbeddedTaskQueue', () => {
  test('settled messages do not keep disk space: a long run stays within a few segments', async () => {
    await withTempDir('orbit-queue-', async (dir) => {
      const queue = await EmbeddedTaskQueue.open(dir, { segmentBytes: 64 * 1024, maintenanceIntervalMs: 50 });
      try {
        let handled = 0;
        const consumer = await queue.consume(
          'work',
          async () => {
            handled += 1;
          },
          { prefetch: 20 },
        );
        const pad = 'x'.repeat(2000);
        for (let round = 0; round < 10; round += 1) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => queue.publish('work', { round, i, pad })));
        }
        await until(() => assert.equal(handled, 1000));
        await consumer.close();
        await queue.maintain();
        // ~2 MB went through; what is left is at most the active segment plus a little.
        const used = await diskBytes(dir);
        assert.ok(used < 3 * 64 * 1024, `store holds ${used} bytes after everything was acked`);
      } finally {
        await queue.close();
      }
    });
  });

  test('a message waiting out a long retry does not pin old segments, and keeps its attempt across reopen', async () => {
    await withTempDir('orbit-queue-', async (dir) => {
      const settings: EmbeddedTaskQueueOptions = { segmentBytes: 32 * 1024, maintenanceIntervalMs: 60_000 };
      let queue = await EmbeddedTaskQueue.open(dir, settings);
      try {
        await queue.assertQueue('slow', { maxAttempts: 5, retryDelayMs: 60_000 });
        await queue.publish('slow', { straggler: true }, { id: 'straggler' });
        const consumer = await queue.consume(
          'slow',
          async (d: Delivery<unknown>) => {
            if (d.id === 'straggler') await d.nack('downstream busy');
          },
          { prefetch: 10 },
        );
        const pad = 'y'.repeat(1500);
        await Promise.all(Array.from({ length: 300 }, (_, i) => queue.publish('slow', { i, pad })));
        await until(async () => assert.deepEqual(await queue.depth('slow'), { ready: 1, unacked: 0, deadLettered: 0 }));
        await consumer.close();
        await queue.maintain();
        await queue.maintain();
        const used = await diskBytes(dir);
        assert.ok(used < 4 * 32 * 1024, `store holds ${used} bytes with one message waiting`);

        await queue.close();
        queue = await EmbeddedTaskQueue.open(dir, { ...settings });
        await queue.assertQueue('slow', { retryDelayMs: 0 });
        assert.deepEqual(await queue.depth('slow'), { ready: 1, unacked: 0, deadLettered: 0 });
        const got: Delivery<unknown>[] = [];
        // The retry was due in a minute; after reopen it keeps that due time.
        const later = await queue.consume('slow', async (d) => void got.push(d), { prefetch: 1 });
        await sleep(100);
        assert.equal(got.length, 0, 'the retry delay survives a reopen');
        await later.close();
      } finally {
        await queue.close();
      }
    });
  });

  test('queue options and the attempt count survive a reopen', async () => {
    await withTempDir('orbit-queue-', async (dir) => {
      let queue = await EmbeddedTaskQueue.open(dir);
      let unblock = (): void => undefined;
      const blocked = new Promise<void>((resolve) => {
        unblock = resolve;
      });
      try {
        await queue.assertQueue('cfg', { maxAttempts: 3, retryDelayMs: 0 });
        await queue.publish('cfg', 'flaky', { id: 'f1' });
        const attempts: number[] = [];
        await queue.consume(
          'cfg',
          async (d) => {
            attempts.push(d.attempt);
            if (d.attempt === 1) await d.nack('first try fails');
            else await blocked;
          },
          { prefetch: 1 },
        );
        await until(() => assert.deepEqual(attempts, [1, 2]));
        await queue.close();

        queue = await EmbeddedTaskQueue.open(dir);
        const seen: number[] = [];
        await queue.consume(
          'cfg',
          async (d) => {
            seen.push(d.attempt);
            throw new Error('still failing');
          },
          { prefetch: 1 },
        );
        // Attempt 2 was recorded by the nack; the delivery cut short by close is not counted.
        await until(async () => assert.equal((await queue.depth('cfg')).deadLettered, 1));
        assert.deepEqual(seen, [2, 3]);
        const [dead] = await queue.deadLetters('cfg');
        assert.equal(dead.reason, 'still failing');
        assert.equal(dead.attempt, 3);
      } finally {
        unblock();
        await queue.close();
      }
    });
  });

  test('rejects bad options with a clear error', async () => {
    await withTempDir('orbit-queue-', async (dir) => {
      const queue = await EmbeddedTaskQueue.open(dir);
      try {
        await assert.rejects(queue.assertQueue('q', { maxAttempts: 0 }), /maxAttempts/);
        await assert.rejects(queue.consume('q', async () => undefined, { prefetch: 0 }), /prefetch/);
        await queue.close();
        assert.equal(queue.isReady(), false);
        await assert.rejects(queue.publish('q', 1), /closed/);
      } finally {
        await queue.close();
      }
    });
  });
});
