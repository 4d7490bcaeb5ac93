/**
 * Child process for the event log crash test; the parent SIGKILLs it mid-stream.
 *   events-crash-child.ts <dir> - publishes batches without end to topic "crash" (4 partitions),
 *   printing "key:n" for each event once its publish() resolved. Per key, n counts up from 0.
 */
import { writeSync } from 'node:fs';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';

const [dir] = process.argv.slice(2);
const log = await EmbeddedEventLog.open(dir);
await log.createTopic('crash', { partitions: 4 });

const keys = Array.from({ length: 8 }, (_, i) => `SC-${i}`);
const counters = new Map(keys.map((k) => [k, 0]));
const pad = 'e'.repeat(500);
let turn = 0;

const publisher = async (): Promise<never> => {
  for (;;) {
    const batch = Array.from({ length: 5 }, () => {
      const key = keys[turn++ % keys.length];
      const n = counters.get(key) as number;
      counters.set(key, n + 1);
      return { key, value: { key, n, pad } };
    });
    await log.publish('crash', batch);
    // writeSync: process.stdout on a pipe is asynchronous and would lose lines to the kill.
    writeSync(1, batch.map((e) => `${e.key}:${e.value.n}\n`).join(''));
  }
};
await Promise.all(Array.from({ length: 4 }, publisher));
