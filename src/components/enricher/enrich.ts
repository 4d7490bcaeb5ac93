/**
 * The enricher's arithmetic, apart from I/O: per channel, a rolling window over the last
 * minute, the rate of change, and a summary per minute bucket. One document per
 * (spacecraft, channel, minute) keeps the store's size proportional to time, not to the
 * reading rate.
 */
import { RollingWindow, type WindowStats } from '../../core/rolling-window.ts';
import type { ProcessedBatch } from '../../core/messages.ts';
import type { Doc } from '../../engines/docs/port.ts';

export const WINDOW_SECONDS = 60;
export const BUCKET_SECONDS = 60;

export interface EnrichedDoc extends Doc {
  spacecraft: string;
  channel: string;
  /** Start of the bucket, epoch ms. */
  time: number;
  bucketSeconds: number;
  /** Over the readings of this bucket. */
  min: number;
  max: number;
  mean: number;
  count: number;
  last: { time: number; value: number };
  /** The rolling window ending at the last reading. */
  window: WindowStats & { seconds: number };
  /** Engineering units per second between the last two readings; null for a channel's first. */
  ratePerSecond: number | null;
  storedAt: number;
}

interface ChannelState {
  window: RollingWindow;
  lastTime: number;
  lastValue: number;
  bucket?: { start: number; min: number; max: number; sum: number; count: number };
}

export class Enricher {
  readonly #channels = new Map<string, ChannelState>();

  /** The bucket documents changed by these batches (one per touched bucket). */
  enrich(batches: ProcessedBatch[], now = Date.now()): EnrichedDoc[] {
    const changed = new Map<string, EnrichedDoc>();
    for (const batch of batches) {
      for (const r of batch.readings) {
        if (typeof r.value !== 'number') continue;
        const key = `${batch.spacecraft}\u0000${r.channel}`;
        let s = this.#channels.get(key);
        // Redelivered or late readings were counted already, or would rewind the window: skip them.
        if (s && r.time <= s.lastTime) continue;
        if (!s) this.#channels.set(key, (s = { window: new RollingWindow(WINDOW_SECONDS * 1000), lastTime: Number.NaN, lastValue: Number.NaN }));
        const window = s.window.push(r.time, r.value);
        const rate = Number.isNaN(s.lastTime) ? null : (r.value - s.lastValue) / ((r.time - s.lastTime) / 1000);
        s.lastTime = r.time;
        s.lastValue = r.value;
        const start = Math.floor(r.time / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
        const b = s.bucket?.start === start ? s.bucket : (s.bucket = { start, min: r.value, max: r.value, sum: 0, count: 0 });
        b.min = Math.min(b.min, r.value);
        b.max = Math.max(b.max, r.value);
        b.sum += r.value;
        b.count++;
        const id = `${batch.spacecraft}/${r.channel}/${start}`;
        changed.set(id, {
          _id: id, spacecraft: batch.spacecraft, channel: r.channel, time: start, bucketSeconds: BUCKET_SECONDS,
          min: b.min, max: b.max, mean: b.sum / b.count, count: b.count,
          last: { time: r.time, value: r.value }, window: { seconds: WINDOW_SECONDS, ...window }, ratePerSecond: rate, storedAt: now,
        });
      }
    }
    return [...changed.values()];
  }
}
