/**
 * `orbit replay`: feeds the processed telemetry stored on the event log between two
 * times to a consumer's logic again, in a process of its own, without joining the
 * consumer's group (the live consumers go on undisturbed). Each partition is read in
 * offset order, so every spacecraft's batches arrive in the order they were published.
 */
import type { Logger } from 'pino';
import { TOPICS, type ProcessedBatch } from '../core/messages.ts';
import { MAX_EPOCH_MS } from '../core/time.ts';
import { EVENTS, type EventLog } from '../engines/events/port.ts';
import type { Config } from '../platform/config.ts';
import { withModules } from './one-off.ts';

export const REPLAY_TARGETS = ['analyzer', 'enricher'] as const;
export type ReplayTarget = (typeof REPLAY_TARGETS)[number];

export interface ReplayRange {
  from: number;
  /** Exclusive; absent means up to the newest record when the replay starts. */
  to?: number;
}

export interface ReplayResult {
  batches: number;
  readings: number;
}

const PAGE = 500;

/** Reads every record of `topic` timestamped in the range, partition by partition, and hands each page to `feed`. */
export async function replayRange(events: EventLog, topic: string, range: ReplayRange, feed: (batches: ProcessedBatch[]) => Promise<void>): Promise<ReplayResult> {
  const result: ReplayResult = { batches: 0, readings: 0 };
  const partitions = await events.partitions(topic);
  for (let p = 0; p < partitions; p++) {
    const end = await events.offsetForTime(topic, p, range.to ?? MAX_EPOCH_MS);
    for (let offset = await events.offsetForTime(topic, p, range.from); offset < end;) {
      const page = (await events.read<ProcessedBatch>(topic, p, offset, Math.min(PAGE, end - offset))).filter((r) => r.offset < end);
      if (!page.length) break;
      await feed(page.map((r) => r.value));
      result.batches += page.length;
      for (const r of page) result.readings += r.value.readings.length;
      offset = page.at(-1)!.offset + 1;
    }
  }
  return result;
}

/** Starts what the target's replay needs (engines, stores), replays, and stops it all. */
export function replay(config: Config, target: ReplayTarget, range: ReplayRange, logger: Logger): Promise<ReplayResult> {
  return withModules(config, logger, [`${target}-replay`], (graph) => {
    const feed = graph.value<(batches: ProcessedBatch[]) => Promise<void>>({ name: `${target}-replay` })!;
    return replayRange(graph.value(EVENTS)!, TOPICS.processed, range, feed);
  });
}
