/**
 * What the body schema cannot say about orbit.propagate parameters: the order of the
 * times and the number of samples they ask for.
 */
import type { FieldError } from '../../platform/problem.ts';
import { MAX_EPOCH_MS, toEpochMs } from '../../core/time.ts';
import { MAX_SAMPLES, sampleCount } from './plan.ts';
import type { PropagateParams } from './schemas.ts';

export interface TimeRange {
  fromMs: number;
  toMs: number;
  stepMs: number;
  samples: number;
}

/** Adds a problem per bad field (pointers under /params) and returns the range when there are none. */
export function checkTimeRange(params: PropagateParams, errors: FieldError[]): TimeRange | undefined {
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
  if (samples > MAX_SAMPLES) {
    errors.push({
      pointer: '/params/stepSeconds',
      detail: `gives ${samples} samples over the range; at most ${MAX_SAMPLES} are allowed (use a step of at least ${Math.ceil((toMs - fromMs) / (MAX_SAMPLES - 1)) / 1000} s or a shorter range)`,
    });
    return undefined;
  }
  return { fromMs, toMs, stepMs, samples };
}
