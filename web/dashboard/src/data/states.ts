/**
 * String and boolean channels drawn as state timelines: each distinct value gets a
 * number (so the points live in a SeriesBuffer like any other channel) and a colour, and
 * consecutive equal readings collapse into one segment.
 */

export type StateValue = string | number | boolean;

/** Distinct state values in order of first appearance. */
export class StateDictionary {
  readonly #codes = new Map<string, number>();
  readonly #values: StateValue[] = [];

  code(value: StateValue): number {
    const key = `${typeof value}:${String(value)}`;
    let code = this.#codes.get(key);
    if (code === undefined) {
      code = this.#values.length;
      this.#codes.set(key, code);
      this.#values.push(value);
    }
    return code;
  }

  value(code: number): StateValue | undefined {
    return this.#values[code];
  }
}

export interface StateSegment {
  start: number;
  /** Where the next segment starts, or the end of the timeline for the last one. */
  end: number;
  code: number;
}

/**
 * Segments of the points (times in order, codes) that overlap [from, to); a reading holds
 * until the next one. `end` closes the last segment (now, for a live timeline).
 */
export function stateSegments(times: ArrayLike<number>, codes: ArrayLike<number>, from: number, to: number, end: number): StateSegment[] {
  const segments: StateSegment[] = [];
  for (let i = 0; i < times.length; i++) {
    const start = times[i]!;
    const code = codes[i]!;
    const last = segments[segments.length - 1];
    if (last && last.code === code) continue;
    if (last) last.end = start;
    segments.push({ start, end, code });
  }
  return segments.filter((s) => s.end > from && s.start < to);
}

/**
 * A colour for a state, readable on the dark background, and the colour of a label on it.
 * Names that mean trouble or health get the alarm colours; others a palette colour by
 * first appearance.
 */
const PALETTE = ['#58a6ff', '#bc8cff', '#39c5cf', '#e3b341', '#ff7b72', '#56d364', '#db61a2', '#a5d6ff'];
const NAMED: Record<string, string> = { nominal: '#3fb950', ok: '#3fb950', safe: '#d29922', error: '#f85149', fault: '#f85149', true: '#8b949e', false: '#30363d' };

export function stateColour(value: StateValue | undefined, code: number): { fill: string; text: string } {
  const fill = NAMED[String(value).toLowerCase()] ?? PALETTE[code % PALETTE.length]!;
  return { fill, text: relativeLuminance(fill) > 0.18 ? '#0d1117' : '#e6edf3' };
}

/** WCAG relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
