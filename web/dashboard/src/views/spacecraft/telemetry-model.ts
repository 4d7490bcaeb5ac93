/**
 * The spacecraft view's data, outside React: a series buffer per plotted channel fed by
 * the live stream and by history backfills, the latest reading of every channel, and the
 * time window shown. Stream events only write into buffers; drawing happens at most once
 * per animation frame, when every plot and timeline is told to redraw from the buffers.
 */
import type { Channel, LatestReading, StreamTelemetry } from '../../api.ts';
import { SeriesBuffer, type SeriesPoint } from '../../data/series.ts';
import { StateDictionary } from '../../data/states.ts';
import { presetMs, resolveRange, type TimeRange } from '../../data/view-query.ts';
import { loadNumbers, loadStates } from './history-loader.ts';

export interface TimeSpan {
  from: number;
  to: number;
}

export interface PlottedChannel {
  channel: Channel;
  buffer: SeriesBuffer;
  /** For string and boolean channels: the codes the buffer holds. */
  states: StateDictionary | undefined;
  /** Some of the backfill came as min/max/avg buckets. */
  aggregated: boolean;
  /** The earliest time asked of the history API. */
  loadedFrom: number;
}

export interface Controls {
  paused: boolean;
  /** A window picked by zooming or panning; undefined: the range's own. */
  zoom: TimeSpan | undefined;
  /** Backfills still running. */
  loading: number;
}

/** Zooming and panning settle for this long before finer or earlier history is fetched. */
const REFINE_AFTER_MS = 300;

/** Latest readings are re-rendered in the table at most this often. */
const TABLE_REFRESH_MS = 250;

type FrameListener = (span: TimeSpan, now: number) => void;

export class TelemetryModel {
  readonly spacecraft: string;
  readonly plotted = new Map<string, PlottedChannel>();
  readonly latest = new Map<string, LatestReading>();
  /** Plot width in CSS pixels, for choosing a history resolution. */
  #widthPx = 1000;
  #range: TimeRange = { kind: 'preset', preset: '15m' };
  #controls: Controls = { paused: false, zoom: undefined, loading: 0 };
  #pausedAt = 0;
  #abort = new AbortController();
  #refineAbort = new AbortController();
  #refineTimer: ReturnType<typeof setTimeout> | undefined;
  #frame = 0;
  #followTimer: ReturnType<typeof setInterval> | undefined;
  #latestTimer: ReturnType<typeof setTimeout> | undefined;
  #latestVersion = 0;
  /** Channels with a backfill under way, and those of them that must catch up once it ends. */
  readonly #loading = new Set<string>();
  readonly #catchUpAfter = new Map<string, { whole: boolean }>();
  /** Where plots draw, in CSS pixels from their left edge, so state timelines line up with them. */
  #plotArea = { left: 0, width: 0 };
  readonly #frameListeners = new Set<FrameListener>();
  readonly #controlListeners = new Set<() => void>();
  readonly #latestListeners = new Set<() => void>();

  constructor(spacecraft: string) {
    this.spacecraft = spacecraft;
  }

  // --- what is shown -------------------------------------------------------------------

  get controls(): Controls {
    return this.#controls;
  }

  get plotArea(): { left: number; width: number } {
    return this.#plotArea;
  }

  setPlotArea(left: number, width: number): void {
    if (left !== this.#plotArea.left || width !== this.#plotArea.width) this.#plotArea = { left, width };
  }

  get latestVersion(): number {
    return this.#latestVersion;
  }

  /** The time span drawn now. */
  shownSpan(now = Date.now()): TimeSpan {
    if (this.#controls.zoom) return this.#controls.zoom;
    return resolveRange(this.#range, this.#controls.paused ? this.#pausedAt : now);
  }

  /** Plots `channels` over `range`, `widthPx` wide, backfilling what is new; keeps what it can. */
  show(channels: Channel[], range: TimeRange, widthPx = this.#widthPx): void {
    this.#widthPx = widthPx || this.#widthPx;
    const rangeChanged = JSON.stringify(range) !== JSON.stringify(this.#range);
    this.#range = range;
    if (rangeChanged) {
      this.#abort.abort();
      this.#abort = new AbortController();
      this.plotted.clear();
      this.zoomTo(undefined);
      this.#follow();
    }
    const wanted = new Set(channels.map((c) => c.name));
    for (const name of this.plotted.keys()) if (!wanted.has(name)) this.plotted.delete(name);
    const added = channels.filter((c) => !this.plotted.has(c.name));
    const { from, to } = resolveRange(range, Date.now());
    for (const channel of added) {
      this.plotted.set(channel.name, { channel, buffer: new SeriesBuffer(), states: channel.type === 'number' ? undefined : new StateDictionary(), aggregated: false, loadedFrom: from });
    }
    for (const channel of added) void this.#backfill(channel.name, from, to);
    this.requestFrame();
  }

  setPaused(paused: boolean): void {
    if (paused) this.#pausedAt = Date.now();
    this.#setControls({ paused });
  }

  zoomTo(span: TimeSpan | undefined): void {
    const zoom = span && span.to > span.from ? span : undefined;
    this.#setControls({ zoom });
    clearTimeout(this.#refineTimer);
    if (zoom) this.#refineTimer = setTimeout(() => this.#refine(zoom), REFINE_AFTER_MS);
  }

  /**
   * Fetches what a zoomed or panned window lacks: the history before what was loaded, and
   * finer history where buckets stand in for readings.
   */
  #refine(span: TimeSpan): void {
    this.#refineAbort.abort();
    this.#refineAbort = new AbortController();
    const from = Math.floor(span.from);
    const to = Math.ceil(Math.min(span.to, Date.now()));
    for (const [name, p] of this.plotted) {
      if (p.aggregated) void this.#backfill(name, from, to, { replace: true, signal: this.#refineAbort.signal });
      else if (from < p.loadedFrom) {
        const end = Math.min(p.loadedFrom, to);
        p.loadedFrom = from;
        void this.#backfill(name, from, end, { signal: this.#refineAbort.signal });
      }
    }
  }

  /** Moves the window by a fraction of its width (negative: back in time). */
  pan(fraction: number): void {
    const w = this.shownSpan();
    const shift = (w.to - w.from) * fraction;
    this.zoomTo({ from: w.from + shift, to: w.to + shift });
  }

  /** Narrows (factor < 1) or widens the window around its middle. */
  zoomBy(factor: number): void {
    const w = this.shownSpan();
    const middle = (w.from + w.to) / 2;
    const half = ((w.to - w.from) * factor) / 2;
    this.zoomTo({ from: middle - half, to: middle + half });
  }

  // --- data in ------------------------------------------------------------------------

  setLatest(readings: LatestReading[]): void {
    for (const r of readings) {
      const held = this.latest.get(r.channel);
      if (!held || Date.parse(held.time) <= Date.parse(r.time)) this.latest.set(r.channel, r);
    }
    this.#latestChanged();
  }

  /** A `telemetry` event of the stream. */
  ingest(batch: StreamTelemetry): void {
    if (batch.spacecraft !== this.spacecraft) return;
    const byChannel = new Map<string, SeriesPoint[]>();
    for (const r of batch.readings) {
      const held = this.latest.get(r.channel);
      if (!held || held.time <= r.time) this.latest.set(r.channel, r);
      const plotted = this.plotted.get(r.channel);
      if (!plotted) continue;
      let points = byChannel.get(r.channel);
      if (!points) byChannel.set(r.channel, (points = []));
      points.push({ time: Date.parse(r.time), value: plotted.states ? plotted.states.code(r.value) : Number(r.value) });
    }
    for (const [name, points] of byChannel) this.plotted.get(name)!.buffer.insert(points);
    this.#latestChanged();
    if (byChannel.size) this.requestFrame();
  }

  /**
   * After the stream connects: fetch what it did not deliver. On the first connection,
   * from each channel's newest buffered reading (held again, so replaced, not doubled) to
   * now. After a reconnection, the whole window again: readings that came in late while
   * the page was away may lie before the newest one it holds, and the window gives way to
   * what the archive has.
   */
  catchUp(reconnect = false): void {
    for (const name of this.plotted.keys()) {
      // A backfill under way ends where it was asked to: catch up after it.
      if (this.#loading.has(name)) this.#catchUpAfter.set(name, { whole: reconnect || (this.#catchUpAfter.get(name)?.whole ?? false) });
      else this.#catchUpChannel(name, reconnect);
    }
  }

  #catchUpChannel(name: string, whole: boolean): void {
    const buffer = this.plotted.get(name)?.buffer;
    if (!buffer) return;
    const { from, to } = resolveRange(this.#range, Date.now());
    if (whole) {
      void this.#backfill(name, from, to, { replace: true });
      return;
    }
    const start = Math.max(from, buffer.lastTime ?? from);
    if (start < to) void this.#backfill(name, start, to);
  }

  /** `replace`: what the buffer holds in [from, to) gives way to what comes. */
  async #backfill(name: string, from: number, to: number, options: { replace?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const plotted = this.plotted.get(name);
    if (!plotted || to <= from) return;
    const signal = options.signal ? AbortSignal.any([this.#abort.signal, options.signal]) : this.#abort.signal;
    let replace = options.replace;
    const put = (points: SeriesPoint[]) => {
      if (replace) plotted.buffer.replace(from, to, points);
      else plotted.buffer.insert(points);
      replace = false;
      this.requestFrame();
    };
    const q = { spacecraft: this.spacecraft, channel: name, from, to, widthPx: this.#widthPx, signal };
    // Pages land in the buffer the plot draws from, unless the view moved on meanwhile.
    const current = () => !signal.aborted && this.plotted.get(name) === plotted;
    this.#loading.add(name);
    this.#setControls({ loading: this.#controls.loading + 1 });
    try {
      if (plotted.states) {
        const states = plotted.states;
        await loadStates(q, (points) => {
          if (current()) put(points.map((p) => ({ time: p.time, value: states.code(p.value) })));
        });
      } else {
        const kind = await loadNumbers(q, (points) => {
          if (current()) put(points);
        });
        if (kind === 'aggregate' && current()) {
          plotted.aggregated = true;
          this.requestFrame();
        }
      }
    } catch (error) {
      if (!signal.aborted) console.error(`history of ${name}:`, error);
    } finally {
      this.#loading.delete(name);
      this.#setControls({ loading: this.#controls.loading - 1 });
      const after = this.#catchUpAfter.get(name);
      this.#catchUpAfter.delete(name);
      if (after && current()) this.#catchUpChannel(name, after.whole);
    }
  }

  // --- drawing ------------------------------------------------------------------------

  /** Called with the span shown on every frame that redraws; returns the unsubscribe. */
  onFrame(listener: FrameListener): () => void {
    this.#frameListeners.add(listener);
    this.requestFrame();
    return () => {
      this.#frameListeners.delete(listener);
    };
  }

  requestFrame(): void {
    if (this.#frame || typeof requestAnimationFrame === 'undefined') return;
    this.#frame = requestAnimationFrame(() => this.#draw());
  }

  #draw(): void {
    this.#frame = 0;
    const now = Date.now();
    const span = this.shownSpan(now);
    if (this.#range.kind === 'preset') {
      // Keep what the live window and the window looked at need; older readings go.
      const keepFrom = Math.min(span.from, now - presetMs(this.#range.preset));
      for (const p of this.plotted.values()) {
        p.buffer.trimBefore(keepFrom);
        p.loadedFrom = Math.max(p.loadedFrom, keepFrom);
      }
    }
    for (const listener of this.#frameListeners) listener(span, now);
  }

  /** While following live, the window slides even without new readings: redraw about once per pixel of time. */
  #follow(): void {
    clearInterval(this.#followTimer);
    if (this.#range.kind !== 'preset') return;
    const everyMs = Math.min(1000, Math.max(50, presetMs(this.#range.preset) / this.#widthPx));
    this.#followTimer = setInterval(() => {
      if (!this.#controls.paused && !this.#controls.zoom) this.requestFrame();
    }, everyMs);
  }

  start(): void {
    this.#abort = new AbortController();
    this.#follow();
  }

  /** Stops every request and timer; what was backfilled goes too, as a restart fetches it again. */
  dispose(): void {
    this.#abort.abort();
    clearTimeout(this.#refineTimer);
    this.plotted.clear();
    this.#loading.clear();
    this.#catchUpAfter.clear();
    clearInterval(this.#followTimer);
    clearTimeout(this.#latestTimer);
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  // --- subscriptions for React ---------------------------------------------------------

  subscribeControls = (listener: () => void): (() => void) => {
    this.#controlListeners.add(listener);
    return () => this.#controlListeners.delete(listener);
  };

  subscribeLatest = (listener: () => void): (() => void) => {
    this.#latestListeners.add(listener);
    return () => this.#latestListeners.delete(listener);
  };

  #setControls(change: Partial<Controls>): void {
    this.#controls = { ...this.#controls, ...change };
    for (const l of this.#controlListeners) l();
    this.requestFrame();
  }

  /** Coalesced: a busy channel must not re-render the table for every event. */
  #latestChanged(): void {
    if (this.#latestTimer) return;
    this.#latestTimer = setTimeout(() => {
      this.#latestTimer = undefined;
      this.#latestVersion++;
      for (const l of this.#latestListeners) l();
    }, TABLE_REFRESH_MS);
  }
}
