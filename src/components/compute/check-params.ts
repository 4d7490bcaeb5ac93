/**
 * What the body schema cannot say about orbit.propagate parameters: the order of the
 * times and the number of samples they ask for.
 */
import type { FieldError } from '../../platform/problem.ts';
import { MAX_EPOCH_MS, toEpochMs } from '../../core/time.ts';
import { MAX_SAMPLES, sampleCount } from './plan.ts';
import type { PropagateParams } from './jobs/propagate.ts';

export interface TimeRange {
  fromMs: number;
  toMs: number;
  stepMs: number;
  samples: number;
}

/**
 * Adds a problem per bad field (pointers under /params) and returns the range when there
 * are none. More than `maxSamples` samples is refused here, before any work is queued:
 * the result's size grows with them (ORBIT_COMPUTE_MAX_SAMPLES).
 */
export function checkTimeRange(params: PropagateParams, errors: FieldError[], maxSamples = MAX_SAMPLES): TimeRange | undefined {
  const before = errors.length;
  const time = (name: 'from' | 'to'): number => {
    const ms = toEpochMs(params[name]);
    // Date holds ±8.64e15 ms; beyond that a time cannot be written back as ISO 8601.
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) errors.push({ pointer: `/params/${name}`, detail: 'is not a representable time' });
    return ms;
  };
  const fromMs = time('from');
  const toMs = time('to');
  const stepMs = params.stepSeconds * 1000;
  if (errors.length > before) return undefined;
  if (toMs < fromMs) {
    errors.push({ pointer: '/params/to', detail: `must not be before from (${new Date(fromMs).toISOString()})` });
    return undefined;
  }
  const samples = sampleCount(fromMs, toMs, stepMs);
  if (samples > maxSamples) {
    const hint = maxSamples > 1 ? `use a step of at least ${Math.ceil((toMs - fromMs) / (maxSamples - 1)) / 1000} s or a shorter range` : 'make to equal from';
    const detail = `gives ${samples} samples over the range; at most ${maxSamples} are allowed (ORBIT_COMPUTE_MAX_SAMPLES): ${hint}`;
    errors.push({ pointer: '/params/stepSeconds', detail }, { pointer: '/params/to', detail });
    return undefined;
  }
  return { fromMs, toMs, stepMs, samples };
}
