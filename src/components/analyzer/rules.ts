/**
 * The analyzer's decisions, kept apart from I/O: given what is active for a channel and
 * rule, and whether the latest reading shows the channel off (a violation) or normal,
 * which alert change follows.
 *
 * - Off, nothing active: open. Off again after returning to normal: raise it again.
 *   Off at another severity: change severity (an escalation re-opens an acknowledged alert).
 * - Normal: an acknowledged alert, or an open one on a channel with `returnToNormal: auto`,
 *   resolves. An open one with `returnToNormal: acknowledge` stays as rtn-unacknowledged;
 *   a shelved one stays shelved, marked returned, and resolves when it comes off the shelf.
 */
import { evaluateLimits } from '../../core/limits.ts';
import type { AlertRule, AlertState, Channel, Limits, ReturnToNormal, Severity } from '../../core/schemas.ts';

export interface ActiveAlert {
  id: string;
  rule: AlertRule;
  severity: Severity;
  state: AlertState;
  /** Its value is back to normal, the alert kept (rtn-unacknowledged, or shelved). */
  returned: boolean;
  /** Epoch ms, while shelved. */
  shelvedUntil?: number;
}

/** A channel off by a rule, with what to tell operators. */
export interface Violation {
  severity: Severity;
  threshold: number | null;
  message: string;
  score?: number;
}

export type Decision =
  | ({ kind: 'open'; rule: AlertRule } & Violation)
  | { kind: 'change'; id: string; severity: Severity; threshold: number | null; message: string }
  | { kind: 'reraise'; id: string; violation: Violation }
  | { kind: 'return'; id: string; comment: string }
  | { kind: 'resolve'; id: string; comment?: string };

/** The change that follows from a rule's verdict on a reading (`violation` null: normal). */
export function decide(rule: AlertRule, active: ActiveAlert | undefined, violation: Violation | null, returnToNormal: ReturnToNormal | undefined, normalComment: string): Decision | undefined {
  if (violation) {
    if (!active) return { kind: 'open', rule, ...violation };
    if (active.returned) return { kind: 'reraise', id: active.id, violation };
    if (violation.severity !== active.severity) return { kind: 'change', id: active.id, severity: violation.severity, threshold: violation.threshold, message: violation.message };
    return undefined;
  }
  if (!active || active.returned) return undefined;
  if (active.state === 'shelved' || (active.state === 'open' && returnToNormal === 'acknowledge')) return { kind: 'return', id: active.id, comment: normalComment };
  return { kind: 'resolve', id: active.id, comment: normalComment };
}

/** Whether a decision raises an alert (what debounce holds back). */
export const raises = (d: Decision | undefined): boolean => d?.kind === 'open' || d?.kind === 'reraise';

/**
 * A value against limits, with hysteresis from the severity the channel has now (none
 * once it returned to normal). `context` names the limit set in force, if any.
 */
export function limitViolation(channel: Pick<Channel, 'name' | 'unit'>, limits: Limits, value: number, active: ActiveAlert | undefined, context?: string): Violation | null {
  const verdict = evaluateLimits(value, limits, active && !active.returned ? active.severity : null);
  if (!verdict.severity) return null;
  const side = verdict.threshold !== null && value > verdict.threshold ? 'above' : 'below';
  return {
    severity: verdict.severity,
    threshold: verdict.threshold,
    message: `${channel.name} = ${value}${channel.unit ? ` ${channel.unit}` : ''} is ${side} its ${verdict.severity === 'critical' ? 'red' : 'yellow'} limit ${verdict.threshold}${context ? ` (${context})` : ''}`,
  };
}

/** The limit rule on one reading, given the limits in force (undefined: none). */
export function limitDecision(channel: Channel, value: number, active: ActiveAlert | undefined, limits: Limits | undefined = channel.limits, context?: string): Decision | undefined {
  if (!limits) return active && !active.returned ? { kind: 'resolve', id: active.id, comment: 'no limits apply' } : undefined;
  return decide('limit', active, limitViolation(channel, limits, value, active, context), channel.returnToNormal, 'value back within limits');
}
