/**
 * The analyzer's decisions, kept apart from I/O: given what is active for a channel
 * and a new reading, which alert changes follow.
 */
import { evaluateLimits } from '../../core/limits.ts';
import type { AlertRule, Channel, Severity } from '../../core/schemas.ts';

export interface ActiveAlert {
  id: string;
  rule: AlertRule;
  severity: Severity;
}

export type Decision =
  | { kind: 'open'; rule: AlertRule; severity: Severity; threshold: number | null; message: string }
  | { kind: 'change'; id: string; severity: Severity; threshold: number | null; message: string }
  | { kind: 'resolve'; id: string; comment?: string };

export function limitDecision(channel: Channel, value: number, active: ActiveAlert | undefined): Decision | undefined {
  if (!channel.limits) return active ? { kind: 'resolve', id: active.id, comment: 'limits removed' } : undefined;
  const verdict = evaluateLimits(value, channel.limits, active?.severity ?? null);
  const describe = (severity: Severity) =>
    `${channel.name} = ${value}${channel.unit ? ` ${channel.unit}` : ''} is ${verdict.threshold !== null && value > verdict.threshold ? 'above' : 'below'} its ${severity === 'critical' ? 'red' : 'yellow'} limit ${verdict.threshold}`;
  if (!active) return verdict.severity ? { kind: 'open', rule: 'limit', severity: verdict.severity, threshold: verdict.threshold, message: describe(verdict.severity) } : undefined;
  if (!verdict.severity) return { kind: 'resolve', id: active.id, comment: 'value back within limits' };
  if (verdict.severity !== active.severity) return { kind: 'change', id: active.id, severity: verdict.severity, threshold: verdict.threshold, message: describe(verdict.severity) };
  return undefined;
}
