/**
 * What the spacecraft view shows, as the URL's query holds it, so a link restores the
 * view: `channels=a,b` (none: the default choice) and either `range=15m` (the latest
 * quarter hour, following live) or `from=…&to=…` (a fixed span, ISO 8601 or epoch ms).
 */

export const RANGE_PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DEFAULT_PRESET: RangePreset = '15m';

export type TimeRange = { kind: 'preset'; preset: RangePreset } | { kind: 'fixed'; from: number; to: number };

export interface ViewQuery {
  /** Undefined when the link names none. */
  channels: string[] | undefined;
  range: TimeRange;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function presetMs(preset: RangePreset): number {
  return Number(preset.slice(0, -1)) * UNIT_MS[preset.at(-1) as keyof typeof UNIT_MS];
}

/** ISO 8601 or epoch milliseconds; NaN otherwise. */
export function parseTime(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
}

export function parseViewQuery(search: string): ViewQuery {
  const q = new URLSearchParams(search);
  const names = q.get('channels')?.split(',').map((s) => s.trim()).filter(Boolean);
  const from = parseTime(q.get('from') ?? '');
  const to = parseTime(q.get('to') ?? '');
  const preset = RANGE_PRESETS.find((p) => p === q.get('range'));
  const range: TimeRange = Number.isFinite(from) && Number.isFinite(to) && from < to ? { kind: 'fixed', from, to } : { kind: 'preset', preset: preset ?? DEFAULT_PRESET };
  return { channels: names?.length ? names : undefined, range };
}

export function formatViewQuery(view: ViewQuery): string {
  const q = new URLSearchParams();
  if (view.channels) q.set('channels', view.channels.join(','));
  if (view.range.kind === 'preset') q.set('range', view.range.preset);
  else {
    q.set('from', new Date(view.range.from).toISOString());
    q.set('to', new Date(view.range.to).toISOString());
  }
  // Channel names use `,` `/` and `:` freely; keep them readable in the address bar.
  return q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%2F/g, '/');
}

/** The span a range covers at `now`. */
export function resolveRange(range: TimeRange, now: number): { from: number; to: number } {
  return range.kind === 'fixed' ? { from: range.from, to: range.to } : { from: now - presetMs(range.preset), to: now };
}
