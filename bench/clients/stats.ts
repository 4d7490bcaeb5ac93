/** Helpers the client benches share. */
import { setTimeout as sleep } from 'node:timers/promises';

/** The middle value (the upper one of an even count). */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Waits until `done()` holds or the deadline passes. */
export async function until(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await sleep(5);
}
