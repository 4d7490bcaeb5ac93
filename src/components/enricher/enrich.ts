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
  rate: number | null;
  bucket?: { start: number; min: number; max: number; sum: number; count: number };
  /** Readings added since its bucket's document was last written out. */
  dirty: boolean;
}

export class Enricher {
  readonly #channels = new Map<string, ChannelState>();

  /**
   * The bucket documents changed by these batches (one per touched bucket), each as of the
   * last reading in it. A document is built when its bucket is left or the batch ends, not
   * for every reading: most readings only move the running figures.
   */
  enrich(batches: ProcessedBatch[], now = Date.now()): EnrichedDoc[] {
    const changed = new Map<string, EnrichedDoc>();
    const emit = (spacecraft: string, channel: string, s: ChannelState) => {
      const b = s.bucket!;
      const id = `${spacecraft}/${channel}/${b.start}`;
      changed.set(id, {
        _id: id, spacecraft, channel, time: b.start, bucketSeconds: BUCKET_SECONDS,
        min: b.min, max: b.max, mean: b.sum / b.count, count: b.count,
        last: { time: s.lastTime, value: s.lastValue }, window: { seconds: WINDOW_SECONDS, ...s.window.stats() }, ratePerSecond: s.rate, storedAt: now,
      });
      s.dirty = false;
    };
    for (const batch of batches) {
      const touched = new Map<string, ChannelState>();
      for (const r of batch.readings) {
        if (typeof r.value !== 'number') continue;
        let s = touched.get(r.channel);
        if (!s) {
          const key = `${batch.spacecraft}\u0000${r.channel}`;
          s = this.#channels.get(key);
          if (!s) this.#channels.set(key, (s = { window: new RollingWindow(WINDOW_SECONDS * 1000), lastTime: Number.NaN, lastValue: Number.NaN, rate: null, dirty: false }));
          touched.set(r.channel, s);
        }
        // Redelivered or late readings were counted already, or would rewind the window: skip them.
        if (r.time <= s.lastTime) continue;
        const start = Math.floor(r.time / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
        if (s.dirty && s.bucket!.start !== start) emit(batch.spacecraft, r.channel, s);
        s.window.add(r.time, r.value);
        s.rate = Number.isNaN(s.lastTime) ? null : (r.value - s.lastValue) / ((r.time - s.lastTime) / 1000);
        s.lastTime = r.time;
        s.lastValue = r.value;
        const b = s.bucket?.start === start ? s.bucket : (s.bucket = { start, min: r.value, max: r.value, sum: 0, count: 0 });
        b.min = Math.min(b.min, r.value);
        b.max = Math.max(b.max, r.value);
        b.sum += r.value;
        b.count++;
        s.dirty = true;
      }
      for (const [channel, s] of touched) if (s.dirty) emit(batch.spacecraft, channel, s);
    }
    return [...changed.values()];
  }
}
