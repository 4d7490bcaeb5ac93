/**
 * Crash safety of the embedded engines: real child processes are SIGKILLed mid-stream,
 * and torn tails (what a crash mid-write leaves) are written into segment files. Damage
 * in the middle of a segment is quarantined: the records after it are still delivered.
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
import type { StorageDamage } from '../../src/engines/storage/damage.ts';
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

  test('a record damaged in the middle of the active segment is quarantined and skipped; the records after it stay readable', async () => {
    const damages: [string, (buf: Buffer, payloadAt: number) => void][] = [
      ['a flipped payload byte', (buf, at) => void (buf[at + 3] ^= 0xff)],
      ['a garbled length field', (buf, at) => buf.writeUInt32LE(3, at - 16)],
      ['a garbled header, length and checksum', (buf, at) => buf.fill(0xee, at - 16, at - 4)],
    ];
    for (const [what, damage] of damages) {
      await withTempDir('orbit-durability-', async (dir) => {
        let log = await RecordLog.open(dir);
        await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([`record-${String(i).padStart(2, '0')}`], i)));
        await log.close();
        const [segment] = (await fs.readdir(dir)).filter((f) => f.endsWith('.seg'));
        const file = path.join(dir, segment);
        const buf = await fs.readFile(file);
        const at = buf.indexOf('record-20');
        damage(buf, at);
        const damaged = Buffer.from(buf.subarray(at - 16, at + 9));
        // A torn tail after it is still cut off silently.
        await fs.writeFile(file, Buffer.concat([buf, Buffer.from([40, 0, 0, 0, 1, 2])]));

        const found: StorageDamage[] = [];
        log = await RecordLog.open(dir, { cacheBytes: 0, onDamage: (d) => found.push(d) });
        assert.equal(found.length, 1, `${what}: reported once`);
        assert.deepEqual([found[0].file, found[0].offset, found[0].firstSeq, found[0].records], [file, at - 16, 20, 1], what);
        assert.deepEqual(await fs.readFile(found[0].quarantine), damaged, `${what}: the damaged bytes are kept aside`);
        assert.equal(path.dirname(found[0].quarantine), dir);
        assert.equal(log.end, 50, `${what}: sequence numbers after the damage keep their places`);
        const all = await log.read(0, 100);
        assert.deepEqual(
          all.map((r) => `${r.seq}:${r.payload.toString()}`),
          Array.from({ length: 50 }, (_, i) => `${i}:record-${String(i).padStart(2, '0')}`).filter((_, i) => i !== 20),
          what,
        );
        assert.equal(await log.append(['next']), 50);
        await log.close();
        log = await RecordLog.open(dir, { cacheBytes: 0 });
        assert.equal((await log.read(49, 5)).map((r) => r.payload.toString()).join(','), 'record-49,next', `${what}: appends after the damage read back`);
        await log.close();
      });
    }
  });

  test('damage in a sealed segment costs only the records it hit; later segments keep their sequence numbers', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let log = await RecordLog.open(dir, { segmentBytes: 1024 });
      for (let i = 0; i < 200; i += 1) await log.append([`r${String(i).padStart(3, '0')}`], i);
      await log.close();
      const segments = (await fs.readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
      assert.ok(segments.length > 3);
      const file = path.join(dir, segments[1]);
      const buf = await fs.readFile(file);
      const base = Number(segments[1].slice(0, -4));
      // Two neighbouring records garbled into one unreadable range: the segment's count says two are gone.
      const first = buf.indexOf(`r${String(base + 5).padStart(3, '0')}`);
      const second = buf.indexOf(`r${String(base + 6).padStart(3, '0')}`);
      buf.fill(0x77, first - 16, second + 2);
      await fs.writeFile(file, buf);

      const found: StorageDamage[] = [];
      log = await RecordLog.open(dir, { cacheBytes: 0, onDamage: (d) => found.push(d) });
      const seen: number[] = [];
      await log.scan(0, (r) => {
        assert.equal(r.payload.toString(), `r${String(r.seq).padStart(3, '0')}`);
        seen.push(r.seq);
      });
      assert.deepEqual([found.length, found[0]?.file, found[0]?.offset, found[0]?.firstSeq, found[0]?.records], [1, file, first - 16, base + 5, 2]);
      assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i).filter((i) => i !== base + 5 && i !== base + 6));
      const page = await log.read(base + 4, 4);
      assert.deepEqual(page.map((r) => r.seq), [base + 4, base + 7, base + 8, base + 9]);
      await log.close();
    });
  });

  test('a queue delivers every message around a damaged one, and says which file and offset it quarantined', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let queue = await EmbeddedTaskQueue.open(dir);
      const ids = Array.from({ length: 100 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      for (const id of ids) await queue.publish('damaged', { id, pad: 'x'.repeat(200) }, { id });
      await queue.close();
      const logDir = path.join(dir, 'damaged', 'log');
      const [segment] = (await fs.readdir(logDir)).filter((f) => f.endsWith('.seg'));
      const file = path.join(logDir, segment);
      const buf = await fs.readFile(file);
      const at = buf.indexOf('job-042');
      buf[at + 2] ^= 0x01;
      await fs.writeFile(file, buf);

      const found: StorageDamage[] = [];
      queue = await EmbeddedTaskQueue.open(dir, { onDamage: (d) => found.push(d) });
      const received: string[] = [];
      await queue.consume('damaged', async (d) => void received.push(d.id), { prefetch: 10 });
      await until(async () => {
        const depth = await queue.depth('damaged');
        assert.equal(depth.ready + depth.unacked, 0);
      }, SETTLE_MS);
      await queue.close();
      assert.deepEqual(received.sort(), ids.filter((id) => id !== 'job-042'));
      assert.equal(found.length, 1);
      assert.equal(found[0].file, file);
      assert.ok(found[0].offset < at && found[0].offset + found[0].bytes > at, 'the quarantined range holds the damaged byte');
      assert.ok((await fs.readFile(found[0].quarantine)).includes('job-'));
    });
  });

  test('an event log subscriber reads past a damaged event', async () => {
    await withTempDir('orbit-durability-', async (dir) => {
      let log = await EmbeddedEventLog.open(dir, { defaultPartitions: 1 });
      await log.publish('damaged', Array.from({ length: 30 }, (_, n) => ({ key: 'k', value: { n: `event-${String(n).padStart(2, '0')}` } })));
      await log.close();
      const partition = path.join(dir, 'topics', 'damaged', '0');
      const [segment] = (await fs.readdir(partition)).filter((f) => f.endsWith('.seg'));
      const file = path.join(partition, segment);
      const buf = await fs.readFile(file);
      buf[buf.indexOf('event-10') + 1] ^= 0x40;
      await fs.writeFile(file, buf);

      const found: StorageDamage[] = [];
      log = await EmbeddedEventLog.open(dir, { onDamage: (d) => found.push(d) });
      try {
        const seen: string[] = [];
        const sub = await log.subscribe<{ n: string }>({ group: 'g', topics: ['damaged'] }, async (batch) => {
          for (const e of batch) seen.push(e.value.n);
        });
        await until(() => assert.equal(seen.length, 29), SETTLE_MS);
        await sub.close();
        assert.deepEqual(seen, Array.from({ length: 30 }, (_, n) => `event-${String(n).padStart(2, '0')}`).filter((n) => n !== 'event-10'));
        assert.deepEqual([found.length, found[0]?.file, found[0]?.firstSeq], [1, file, 10]);
      } finally {
        await log.close();
      }
    });
  });
});
