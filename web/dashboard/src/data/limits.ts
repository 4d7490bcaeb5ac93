/** A channel's red/yellow limits: the state of a value, and the regions a plot shades. */
import { classify } from '../../../../src/core/limits.ts';
import type { Limits } from '../../../../src/core/schemas.ts';

export type LimitState = 'critical' | 'warning' | 'nominal';

export function limitState(value: number, limits: Limits | undefined): LimitState {
  return (limits && classify(value, limits).severity) || 'nominal';
}

export interface LimitBand {
  /** Value range; infinite on an open side. */
  low: number;
  high: number;
  state: Exclude<LimitState, 'nominal'>;
}

/** The out-of-limit regions of the value axis: red beyond red, yellow between yellow and red. */
export function limitBands(limits: Limits | undefined): LimitBand[] {
  if (!limits) return [];
  const { redLow, yellowLow, yellowHigh, redHigh } = limits;
  const bands: LimitBand[] = [];
  if (redLow !== undefined) bands.push({ low: -Infinity, high: redLow, state: 'critical' });
  if (yellowLow !== undefined) bands.push({ low: redLow ?? -Infinity, high: yellowLow, state: 'warning' });
  if (yellowHigh !== undefined) bands.push({ low: yellowHigh, high: redHigh ?? Infinity, state: 'warning' });
  if (redHigh !== undefined) bands.push({ low: redHigh, high: Infinity, state: 'critical' });
  return bands.filter((b) => b.high > b.low);
}

/**
 * The value range a plot shows: the data's, stretched to the limits that lie near it (within
 * the data's own span, or a fifth of its magnitude), so an operator sees the margin left where
 * it is small, while a signal far inside its limits (a wheel at 1,400 rpm against ±6,000) keeps
 * the whole height to show how it moves.
 */
export function valueRange(dataMin: number, dataMax: number, limits: Limits | undefined): [number, number] {
  const data = [dataMin, dataMax].filter(Number.isFinite);
  const reach = data.length ? Math.max(dataMax - dataMin, (Math.abs(dataMin) + Math.abs(dataMax)) / 10) : Infinity;
  const near = Object.values(limits ?? {}).filter((l) => Number.isFinite(l) && (!data.length || (l >= dataMin - reach && l <= dataMax + reach)));
  const edges = [...data, ...near];
  if (!edges.length) return [0, 1];
  const low = Math.min(...edges);
  const high = Math.max(...edges);
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.05 || 1;
  return [low - pad, high + pad];
}
