/** Ground tracks as drawn: cut into past and next at the present (and at the anti-meridian, by src/core/geo). */
import type { LonLat } from '../../../../src/core/geo/equirectangular.ts';

export interface TrackSample extends LonLat {
  /** Epoch ms. */
  time: number;
}

/** The samples up to `now` and from it, each sharing the point nearest the present so the two join. */
export function splitAtTime<T extends TrackSample>(samples: readonly T[], now: number): { past: T[]; next: T[] } {
  const index = samples.findIndex((s) => s.time > now);
  if (index === -1) return { past: [...samples], next: [] };
  if (index === 0) return { past: [], next: [...samples] };
  return { past: samples.slice(0, index + 1), next: samples.slice(index) };
}
