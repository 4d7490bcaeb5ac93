/**
 * Limit checking with hysteresis: a value past a limit raises that severity at once,
 * but lowers it only once the value is back inside the limit by a margin, so a value
 * hovering on a limit does not open and resolve alerts on every reading.
 */
import type { Limits, Severity } from './schemas.ts';

export interface LimitVerdict {
  severity: Severity | null;
  /** The limit that was crossed. */
  threshold: number | null;
}

/** Fraction of the limits' span (or of the one limit's magnitude) a value must come back by. */
export const HYSTERESIS = 0.02;

const RANK = { none: 0, warning: 1, critical: 2 } as const;
const rank = (s: Severity | null) => RANK[s ?? 'none'];

export function hysteresisMargin(limits: Limits): number {
  const defined = [limits.redLow, limits.yellowLow, limits.yellowHigh, limits.redHigh].filter((v): v is number => v !== undefined);
  if (!defined.length) return 0;
  const span = Math.max(...defined) - Math.min(...defined);
  return HYSTERESIS * (span > 0 ? span : Math.abs(defined[0]!));
}

/** Severity of a value against limits moved inward by `margin`. */
export function classify(value: number, limits: Limits, margin = 0): LimitVerdict {
  if (limits.redHigh !== undefined && value > limits.redHigh - margin) return { severity: 'critical', threshold: limits.redHigh };
  if (limits.redLow !== undefined && value < limits.redLow + margin) return { severity: 'critical', threshold: limits.redLow };
  if (limits.yellowHigh !== undefined && value > limits.yellowHigh - margin) return { severity: 'warning', threshold: limits.yellowHigh };
  if (limits.yellowLow !== undefined && value < limits.yellowLow + margin) return { severity: 'warning', threshold: limits.yellowLow };
  return { severity: null, threshold: null };
}

/** The severity a channel should have now, given the severity it has. */
export function evaluateLimits(value: number, limits: Limits, current: Severity | null): LimitVerdict {
  const plain = classify(value, limits);
  if (rank(plain.severity) >= rank(current)) return plain;
  // Looks better than before: only step down once clear of the limit by the margin.
  const strict = classify(value, limits, hysteresisMargin(limits));
  return rank(strict.severity) >= rank(current) ? { severity: current, threshold: strict.threshold ?? plain.threshold } : strict;
}
