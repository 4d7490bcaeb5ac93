/**
 * Child process for the queue crash test; the parent SIGKILLs it mid-stream.
 *   queue-crash-child.ts <dir> publish  - publishes without end, printing each id once publish() resolved
 *   queue-crash-child.ts <dir> consume  - acks what is queued, printing "start <id>" when a handler starts
 *                                         and "acked <id>" once ack() resolved
 * Output goes through writeSync: process.stdout on a pipe is asynchronous and would lose lines to the kill.
 */
import { writeSync } from 'node:fs';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';

const [dir, mode] = process.argv.slice(2);
const queue = await EmbeddedTaskQueue.open(dir);

if (mode === 'publish') {
  let next = 0;
  const pad = 'p'.repeat(3000);
  const publisher = async (): Promise<never> => {
    for (;;) {
      const id = `m-${next++}`;
      await queue.publish('crash', { id, pad }, { id });
      writeSync(1, `${id}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, publisher));
} else if (mode === 'consume') {
  await queue.consume(
    'crash',
    async (delivery) => {
      writeSync(1, `start ${delivery.id}\n`);
      await delivery.ack();
      writeSync(1, `acked ${delivery.id}\n`);
    },
    { prefetch: 8 },
  );
  setInterval(() => undefined, 60_000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
