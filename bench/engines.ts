/**
 * Throughput of the embedded task queue and event log, with messages the size of an
 * ingest batch (~50 KB: 1000 readings as JSON) and small ones (~200 bytes).
 * Prints figures only.
 *
 *   node bench/engines.ts
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedTaskQueue } from '../src/engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../src/engines/events/embedded.ts';

interface Shape {
  label: string;
  count: number;
  make: (i: number) => unknown;
}

function batchOfReadings(i: number): unknown {
  const start = Date.UTC(2031, 0, 1) + i * 1000;
  return {
    spacecraft: `SC-${String(i % 25).padStart(3, '0')}`,
    readings: Array.from({ length: 1000 }, (_, k) => ({
      channel: `CH_${k % 40}`,
      time: new Date(start + k).toISOString(),
      value: Math.round(Math.sin(i + k) * 1e6) / 1e3,
    })),
  };
}

function smallMessage(i: number): unknown {
  return { spacecraft: `SC-${i % 25}`, channel: 'BAT_V', time: new Date(Date.UTC(2031, 0, 1) + i).toISOString(), value: 28.1 + (i % 7) / 10, quality: 'nominal', seq: i, note: 'x'.repeat(60) };
}

const shapes: Shape[] = [
  { label: '~50 KB', count: 1500, make: batchOfReadings },
  { label: '~200 B', count: 40_000, make: smallMessage },
];

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function rate(count: number, ms: number, bytes: number): string {
  const perSecond = (count / ms) * 1000;
  return `${Math.round(perSecond).toLocaleString('en-US').padStart(8)} msg/s  ${((bytes / ms) * 1000 / 1e6).toFixed(1).padStart(6)} MB/s`;
}

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orbit-bench-'));
  try {
    return await run(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function benchQueue(shape: Shape): Promise<void> {
  const bodies = Array.from({ length: Math.min(shape.count, 200) }, (_, i) => shape.make(i));
  const bytes = JSON.stringify(bodies[0]).length * shape.count;
  await withDir(async (dir) => {
    const queue = await EmbeddedTaskQueue.open(dir);
    await queue.assertQueue('bench');
    let t = performance.now();
    await pool(shape.count, 64, (i) => queue.publish('bench', bodies[i % bodies.length]));
    console.log(`queue  ${shape.label}  publish (64 in flight)        ${rate(shape.count, performance.now() - t, bytes)}`);

    t = performance.now();
    let consumed = 0;
    let finish = (): void => undefined;
    const drained = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const consumer = await queue.consume(
      'bench',
      async () => {
        consumed += 1;
        if (consumed === shape.count) finish();
      },
      { prefetch: 32 },
    );
    await drained;
    console.log(`queue  ${shape.label}  consume backlog (prefetch 32) ${rate(shape.count, performance.now() - t, bytes)}`);

    consumed = 0;
    const flowing = new Promise<void>((resolve) => {
      finish = resolve;
    });
    t = performance.now();
    await pool(shape.count, 64, (i) => queue.publish('bench', bodies[i % bodies.length]));
    await flowing;
    console.log(`queue  ${shape.label}  publish + consume together    ${rate(shape.count, performance.now() - t, bytes)}`);
    await consumer.close();
    await queue.close();
  });
}

async function benchEvents(shape: Shape): Promise<void> {
  const values = Array.from({ length: Math.min(shape.count, 200) }, (_, i) => shape.make(i));
  const bytes = JSON.stringify(values[0]).length * shape.count;
  const perCall = shape.label === '~50 KB' ? 1 : 50;
  await withDir(async (dir) => {
    const log = await EmbeddedEventLog.open(dir);
    await log.createTopic('bench', { partitions: 8 });
    let t = performance.now();
    await pool(shape.count / perCall, 64, (call) =>
      log.publish(
        'bench',
        Array.from({ length: perCall }, (_, k) => {
          const i = call * perCall + k;
          return { key: `SC-${i % 25}`, value: values[i % values.length] };
        }),
      ),
    );
    console.log(`events ${shape.label}  publish (${perCall}/call, 64 in flight)  ${rate(shape.count, performance.now() - t, bytes)}`);

    t = performance.now();
    let consumed = 0;
    let finish = (): void => undefined;
    const drained = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const subscription = await log.subscribe({ group: 'bench', topics: ['bench'] }, async (batch) => {
      consumed += batch.length;
      if (consumed === shape.count) finish();
    });
    await drained;
    console.log(`events ${shape.label}  consume history (1 group)     ${rate(shape.count, performance.now() - t, bytes)}`);
    await subscription.close();
    await log.close();
  });
}

console.log(`Node ${process.version}, ${os.cpus().length} CPUs, data in ${os.tmpdir()}`);
for (const shape of shapes) {
  await benchQueue(shape);
  await benchEvents(shape);
}
