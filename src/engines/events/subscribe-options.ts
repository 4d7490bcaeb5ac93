/** Subscribe options as every event log checks them, with the port's defaults. */
import type { SubscribeOptions } from './port.ts';

const DEFAULT_MAX_BATCH = 500;

/** Throws a RangeError naming the bad option; returns the batch limit to use. */
export function checkSubscribeOptions(options: SubscribeOptions): { maxBatch: number } {
  if (!options.group) throw new RangeError('group must not be empty');
  if (options.topics.length === 0) throw new RangeError('subscribe to at least one topic');
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError(`maxBatch must be an integer >= 1, got ${maxBatch}`);
  return { maxBatch };
}
