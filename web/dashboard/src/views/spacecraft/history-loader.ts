/**
 * Backfills one channel from the history API, page by page, handing each page over as it
 * arrives so a plot fills in while the rest downloads. Numbers follow planHistory: raw
 * readings for a narrow range, buckets for a wide one; states are always raw.
 */
import { api, type Point } from '../../api.ts';
import { estimateRate, planHistory, RAW_POINT_LIMIT } from '../../data/history.ts';
import type { SeriesPoint } from '../../data/series.ts';
import type { StateValue } from '../../data/states.ts';

/** Recent readings sampled to estimate a channel's rate. */
const RATE_WINDOW_MS = 60_000;
const RATE_SAMPLE = 2000;
/** A small first page puts something on screen soon; later ones are large, for throughput. */
const FIRST_PAGE = 5_000;
const PAGE = 50_000;

export interface HistoryRequest {
  spacecraft: string;
  channel: string;
  from: number;
  to: number;
  widthPx: number;
  signal: AbortSignal;
}

/** Readings per second of the channel near the end of the span asked for. */
async function sampleRate(q: HistoryRequest): Promise<number> {
  const windowStart = Math.max(q.from, q.to - RATE_WINDOW_MS);
  const sample = await api.points({ spacecraft: q.spacecraft, channel: q.channel, from: windowStart, to: q.to, limit: RATE_SAMPLE }, q.signal);
  return estimateRate(sample.points.map((p) => Date.parse(p.time)), { windowStart, windowEnd: q.to, full: sample.next !== undefined });
}

/** Resolves with how it was fetched; `onPoints` gets each page in time order. */
export async function loadNumbers(q: HistoryRequest, onPoints: (points: SeriesPoint[]) => void): Promise<'raw' | 'aggregate'> {
  const plan = planHistory({ from: q.from, to: q.to, widthPx: q.widthPx, rateHz: await sampleRate(q) });
  if (plan.kind === 'raw') {
    // A rate sampled at the end may understate a burst earlier on: past twice the limit, finish with buckets.
    const last = await loadRaw(q, 2 * RAW_POINT_LIMIT, (points) => onPoints(points.map(toSeriesPoint)));
    if (last === undefined) return 'raw';
    await loadBuckets({ ...q, from: last + 1 }, planHistory({ ...q, rateHz: Infinity }), onPoints);
    return 'aggregate';
  }
  await loadBuckets(q, plan, onPoints);
  return 'aggregate';
}

/**
 * Raw readings of a string or boolean channel (the history API does not bucket them): at
 * most about RAW_POINT_LIMIT, the newest, when the span holds more.
 */
export async function loadStates(q: HistoryRequest, onPoints: (points: { time: number; value: StateValue }[]) => void): Promise<void> {
  const rateHz = await sampleRate(q);
  const from = rateHz > 0 ? Math.max(q.from, Math.floor(q.to - (RAW_POINT_LIMIT / rateHz) * 1000)) : q.from;
  await loadRaw({ ...q, from }, RAW_POINT_LIMIT, (points) => onPoints(points.map((p) => ({ time: Date.parse(p.time), value: p.value }))));
}

/** Pages through raw readings; resolves with the last time fetched if it stopped at `cap`, undefined once the range is done. */
async function loadRaw(q: HistoryRequest, cap: number, onPage: (points: Point[]) => void): Promise<number | undefined> {
  let cursor: string | undefined;
  let fetched = 0;
  do {
    const page = await api.points({ spacecraft: q.spacecraft, channel: q.channel, from: q.from, to: q.to, limit: fetched ? PAGE : FIRST_PAGE, cursor }, q.signal);
    onPage(page.points);
    fetched += page.points.length;
    cursor = page.next;
    if (cursor && fetched >= cap) return Date.parse(page.points.at(-1)!.time);
  } while (cursor);
  return undefined;
}

async function loadBuckets(q: HistoryRequest, plan: ReturnType<typeof planHistory>, onPoints: (points: SeriesPoint[]) => void): Promise<void> {
  const stepSeconds = plan.kind === 'aggregate' ? plan.stepSeconds : 1;
  const limit = Math.min(100_000, Math.ceil((q.to - q.from) / 1000 / stepSeconds) + 1);
  const buckets = await api.aggregate({ spacecraft: q.spacecraft, channel: q.channel, from: q.from, to: q.to, step: stepSeconds, limit }, q.signal);
  onPoints(buckets.map((b) => ({ time: Date.parse(b.time), value: b.avg, min: b.min, max: b.max })));
}

const toSeriesPoint = (p: Point): SeriesPoint => ({ time: Date.parse(p.time), value: Number(p.value) });
