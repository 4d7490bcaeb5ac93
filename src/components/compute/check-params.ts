/**
 * What the body schemas cannot say about job parameters: that times are representable
 * and in order, windows within their bounds, and (orbit.propagate) how many samples they ask for.
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

type Times = Record<'from' | 'to', string | number>;

/** `params[name]` in epoch milliseconds; a problem under /params/<name> when it is no time a Date can hold. */
export function paramTime(params: Times, name: 'from' | 'to', errors: FieldError[]): number {
  const ms = toEpochMs(params[name]);
  // Date holds ±8.64e15 ms; beyond that a time cannot be written back as ISO 8601.
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) errors.push({ pointer: `/params/${name}`, detail: 'is not a representable time' });
  return ms;
}

/** A window from `from` to a later `to`, at most `maxDays` long when given; undefined after adding its problems. */
export function checkWindow(params: Times, errors: FieldError[], maxDays?: number): { fromMs: number; toMs: number } | undefined {
  const before = errors.length;
  const fromMs = paramTime(params, 'from', errors);
  const toMs = paramTime(params, 'to', errors);
  if (errors.length > before) return undefined;
  if (toMs <= fromMs) errors.push({ pointer: '/params/to', detail: `must be after from (${new Date(fromMs).toISOString()})` });
  else if (maxDays !== undefined && toMs - fromMs > maxDays * 86_400_000) errors.push({ pointer: '/params/to', detail: `must be at most ${maxDays} days after from` });
  return errors.length > before ? undefined : { fromMs, toMs };
}

/**
 * Adds a problem per bad field (pointers under /params) and returns the range when there
 * are none. More than `maxSamples` samples is refused here, before any work is queued:
 * the result's size grows with them (ORBIT_COMPUTE_MAX_SAMPLES).
 */
export function checkTimeRange(params: PropagateParams, errors: FieldError[], maxSamples = MAX_SAMPLES): TimeRange | undefined {
  const before = errors.length;
  const fromMs = paramTime(params, 'from', errors);
  const toMs = paramTime(params, 'to', errors);
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
