/**
 * Crash safety of the embedded engines: real child processes are SIGKILLed mid-stream,
 * and torn tails (what a crash mid-write leaves) are written into segment files.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import { RecordLog } from '../../src/engines/storage/record-log.ts';
import { DurableMap } from '../../src/engines/storage/durable-map.ts';
import { withTempDir } from '../support/temp-store.ts';
import { until } from '../support/wait.ts';

const support = fileURLToPath(new URL('../support/', import.meta.url));

/** Longer than the usual wait: these tests drain hundreds of messages recovered after a crash. */
const SETTLE_MS = 8000;

/** Runs a support script until it printed `lines` complete lines, runs `beforeKill`, then SIGKILLs it. */
async function runThenKill(script: string, args: string[], lines: number, beforeKill?: () => Promise<void>, counts: (line: string) => boolean = () => true): Promise<string[]> {
  const child = spawn(process.execPath, [path.join(support, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let reached = false;
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // 'close', not 'exit': output still in the pipe when the process dies arrives after 'exit'.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed too little in time: ${err}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Only complete lines count; the last element is the part of a line still arriving.
      if (!reached && out.split('\n').slice(0, -1).filter(counts).length >= lines) {
        reached = true;
        clearTimeout(timer);
        const check = beforeKill ? beforeKill() : Promise.resolve();
        void check.then(resolve, reject).finally(() => child.kill('SIGKILL'));
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (!reached) reject(new Error(`${script} exited early: ${err}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  await closed;
  // Only complete lines: a line cut by the kill was not acknowledged as a whole.
  return out.split('\n').slice(0, -1);
}

/** Appends what a crash mid-write can leave behind: a frame header promising more bytes than follow. */
async function tearTail(logDir: string): Promise<void> {
  const segments = (await fs.readdir(logDir)).filter((f) => f.endsWith('.seg')).sort();
  const last = path.join(logDir, segments[segments.length - 1]);
  const torn = Buffer.alloc(16 + 40, 0x5a);
  torn.writeUInt32LE(4096, 0);
  await fs.appendFile(last, torn);
}

describe('crash safety of the embedded engines', () => {
  test('every message whose publish resolved survives a SIGKILL, and a torn tail does not break open()', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      const printed = await runThenKill('queue-crash-child.ts', [dir, 'publish'], 400);
      assert.ok(printed.length >= 400);
      await tearTail(path.join(dir, 'crash', 'log'));

      // The dead child's lock is taken over; a second open in this process is refused.
      const first = await EmbeddedTaskQueue.open(dir);
      await assert.rejects(EmbeddedTaskQueue.open(dir), /already open in this process/);
      await first.close();
      let queue = await EmbeddedTaskQueue.open(dir);
      const received = new Set<string>();
      const consumer = await queue.consume('crash', async (d) => void received.add(d.id), { prefetch: 50 });
      await until(async () => {
        const depth = await queue.depth('crash');
        assert.equal(depth.ready + depth.unacked, 0);
      }, SETTLE_MS);
      await consumer.close();
      const missing = printed.filter((id) => !received.has(id));
      assert.deepEqual(missing, [], 'messages acknowledged to the publisher are all there');

      // The torn bytes were cut off: what is appended now reads back after another reopen.
      await queue.publish('crash', { after: true }, { id: 'after-crash' });
      await queue.close();
      queue = await EmbeddedTaskQueue.open(dir);
      const again: string[] = [];
      await queue.consume('crash', async (d) => void again.push(d.id), { prefetch: 1 });
      await until(() => assert.deepEqual(again, ['after-crash']), SETTLE_MS);
      await queue.close();
    });
  });

  test('an ack that resolved survives a SIGKILL; unacked messages are delivered again', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let queue = await EmbeddedTaskQueue.open(dir);
      const all = Array.from({ length: 600 }, (_, i) => `job-${i}`);
      await Promise.all(all.map((id) => queue.publish('crash', { id, pad: 'q'.repeat(1000) }, { id })));
      await queue.close();

      // Killed after 150 acks, however many deliveries have started by then (a loaded machine starts many before it acks).
      const lines = await runThenKill('queue-crash-child.ts', [dir, 'consume'], 150, undefined, (line) => line.startsWith('acked '));
      const started = new Set(lines.filter((l) => l.startsWith('start ')).map((l) => l.slice('start '.length)));
      const acked = lines.filter((l) => l.startsWith('acked ')).map((l) => l.slice('acked '.length));
      assert.ok(acked.length > 100 && acked.length < all.length, `killed mid-stream (${acked.length} acked)`);
      await tearTail(path.join(dir, 'crash', 'log'));

      queue = await EmbeddedTaskQueue.open(dir);
      const redelivered = new Set<string>();
      await queue.consume('crash', async (d) => void redelivered.add(d.id), { prefetch: 50 });
      await until(async () => {
        const depth = await queue.depth('crash');
        assert.equal(depth.ready + depth.unacked, 0);
      }, SETTLE_MS);
      await queue.close();
      assert.deepEqual(
        acked.filter((id) => redelivered.has(id)),
        [],
        'no acknowledged message comes back',
      );
      // A handler that started may have had its ack written just before the kill; one that never started must come back.
      assert.deepEqual(
        all.filter((id) => !started.has(id) && !redelivered.has(id)),
        [],
        'every message the consumer never saw is delivered again',
      );
    });
  });

  test('every event whose publish resolved survives a SIGKILL, in per-key order', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      const printed = await runThenKill('events-crash-child.ts', [dir], 1000, async () => {
        await assert.rejects(EmbeddedEventLog.open(dir), /in use by process/, 'a second process cannot open a store in use');
      });
      await tearTail(path.join(dir, 'topics', 'crash', '0'));
      await tearTail(path.join(dir, 'topics', 'crash', '3'));

      const log = await EmbeddedEventLog.open(dir);
      try {
        const stored = new Map<string, number[]>();
        for (let p = 0; p < (await log.partitions('crash')); p += 1) {
          for (let from = 0; ; ) {
            const page = await log.read<{ key: string; n: number }>('crash', p, from, 500);
            if (page.length === 0) break;
            for (const r of page) stored.set(r.key, [...(stored.get(r.key) ?? []), r.value.n]);
            from = page[page.length - 1].offset + 1;
          }
        }
        const missing = printed.filter((line) => {
          const [key, n] = line.split(':');
          return !(stored.get(key) ?? []).includes(Number(n));
        });
        assert.deepEqual(missing, [], 'events acknowledged to the publisher are all there');
        for (const [key, ns] of stored) {
          assert.deepEqual(
            ns,
            ns.map((_, i) => i),
            `${key}: in order, and a crash only ever loses a suffix`,
          );
        }
        await log.publish('crash', [{ key: 'SC-0', value: { key: 'SC-0', n: -1 } }]);
      } finally {
        await log.close();
      }
    });
  });

  test('a record log truncates any kind of torn tail and keeps every record before it', async () => {
    const tails: [string, Buffer][] = [
      ['a partial header', Buffer.from([9, 0, 0])],
      ['a header promising more than follows', Buffer.concat([Buffer.from([0, 1, 0, 0, 1, 2, 3, 4]), Buffer.alloc(20)])],
      ['a complete frame with a wrong checksum', Buffer.concat([Buffer.from([4, 0, 0, 0, 1, 2, 3, 4]), Buffer.alloc(8), Buffer.from('abcd')])],
      ['zeros from a pre-allocated block', Buffer.alloc(4096)],
    ];
    for (const [what, tail] of tails) {
      await withTempDir('orbit-durability-', async (dir) => {
        let log = await RecordLog.open(dir, { segmentBytes: 4096 });
        await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([`record-${i}`], i)));
        await log.close();
        const segments = (await fs.readdir(dir)).sort();
        await fs.appendFile(path.join(dir, segments[segments.length - 1]), tail);

        log = await RecordLog.open(dir, { segmentBytes: 4096 });
        assert.equal(log.end, 50, what);
        assert.equal(await log.append(['next']), 50);
        await log.close();
        log = await RecordLog.open(dir, { segmentBytes: 4096, cacheBytes: 0 });
        const all = await log.read(0, 100);
        assert.deepEqual(
          all.map((r) => r.payload.toString()),
          [...Array.from({ length: 50 }, (_, i) => `record-${i}`), 'next'],
          what,
        );
        await log.close();
      });
    }
  });

  test('concurrent appends all resolve in call order and read back from disk after reopen', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let log = await RecordLog.open(dir, { segmentBytes: 256 * 1024 });
      const payloads = Array.from({ length: 2000 }, (_, i) => `${i}:${'r'.repeat(i % 300)}`);
      const seqs = await Promise.all(payloads.map((p, i) => log.append([p], 1000 + i)));
      assert.deepEqual(
        seqs,
        payloads.map((_, i) => i),
      );
      assert.ok(log.segments().length > 1, 'rolled over to new segments');
      await log.close();
      log = await RecordLog.open(dir, { segmentBytes: 256 * 1024 });
      const back = await log.read(0, 5000, Infinity);
      assert.deepEqual(
        back.map((r) => r.payload.toString()),
        payloads,
      );
      assert.equal(await log.seqForStamp(1000 + 1234), 1234);
      await log.close();
    });
  });

  test('a durable map compacts itself and reopens with the latest values', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let map = await DurableMap.open<number>(dir, { segmentBytes: 4096 });
      for (let round = 0; round < 40; round += 1) {
        await Promise.all(Array.from({ length: 20 }, (_, k) => map.set(`group-${k}`, round)));
      }
      await map.delete('group-0');
      await map.close();
      const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.seg'));
      assert.ok(files.length <= 3, `old changes are compacted away (${files.length} segments)`);

      map = await DurableMap.open<number>(dir, { segmentBytes: 4096 });
      assert.equal(map.get('group-0'), undefined);
      assert.equal(map.get('group-7'), 39);
      assert.equal([...map.entries()].length, 19);
      await map.close();
    });
  });
});
