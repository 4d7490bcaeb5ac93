/**
 * Debounce of limit alerts: a channel must stay past a limit for `samples` consecutive
 * readings, or for a run of readings spanning `seconds` (by reading time), before its
 * alert is raised; either condition given suffices. A reading within limits ends the run.
 * Only raising waits: escalation and resolution do not.
 */
import type { Debounce } from '../../core/schemas.ts';

/** An unbroken run of readings past a limit. */
export interface Run {
  count: number;
  /** Time of its first and last reading, epoch ms. */
  first: number;
  last: number;
}

/** The run with one more reading past a limit. */
export function extend(run: Run | undefined, time: number): Run {
  return run ? { count: run.count + 1, first: run.first, last: Math.max(run.last, time) } : { count: 1, first: time, last: time };
}

/** Whether the run is long enough to raise. */
export function ready(run: Run, spec: Debounce): boolean {
  return (spec.samples !== undefined && run.count >= spec.samples) || (spec.seconds !== undefined && run.last - run.first >= spec.seconds * 1000);
}
