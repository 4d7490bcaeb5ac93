/**
 * The anomaly schedule: every `everyMs` one fault starts, on the next spacecraft in
 * turn, of the next kind in turn. It is a pure function of the plan and an index, so
 * what was injected can be recomputed and scored against what was detected.
 */
import { PANEL_TEMP_FULL_SCALE_C } from './channels.ts';

export const ANOMALY_KINDS = ['battery_overtemp', 'solar_array_failure', 'stuck_sensor', 'telemetry_dropout', 'wheel_overspeed'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** What a detector should raise: a limit alert of that severity, or a staleness alert. */
export type Expectation = 'critical' | 'warning' | 'stale';

export interface Fault {
  kind: AnomalyKind;
  spacecraft: string;
  /** The channels the detector should flag. */
  channels: string[];
  startMs: number;
  endMs: number;
  /** For a stuck sensor: the value it keeps reporting. */
  stuckValue?: number;
}

/** A fault as recorded for scoring. */
export interface Injection {
  id: string;
  spacecraft: string;
  kind: AnomalyKind;
  /** The channel the detector should flag first. */
  channel: string;
  channels: string[];
  startedAt: string;
  endsAt: string;
  expected: Expectation;
  description: string;
}

export interface AnomalyPlan {
  /** Distinguishes this run's injection ids from earlier runs'. */
  runId: string;
  startMs: number;
  everyMs: number;
  spacecraft: readonly string[];
  staleAfterSeconds: number;
}

const DROPOUT_CHANNELS = ['comms.signal_strength', 'adcs.wheel_speed', 'power.bus_voltage'];

const EXPECTED: Record<AnomalyKind, Expectation> = {
  battery_overtemp: 'critical',
  solar_array_failure: 'critical',
  stuck_sensor: 'critical',
  telemetry_dropout: 'stale',
  wheel_overspeed: 'critical',
};

const DESCRIPTIONS: Record<AnomalyKind, string> = {
  battery_overtemp: 'Battery heater latched on: battery temperature climbs past its red-high limit',
  solar_array_failure: 'Solar array short to structure: array current lost, the battery discharges into the fault, bus voltage sags below red-low and SOC falls',
  stuck_sensor: 'Panel thermistor open circuit: the reading sticks at full scale, above red-high',
  telemetry_dropout: 'A telemetry channel stops being sent: it goes stale',
  wheel_overspeed: 'Reaction wheel controller fault: wheel speed runs away past its red-high limit',
};

/**
 * How long a fault lasts. Long enough for a detector to see it (and for a dropout to
 * outlast the staleness interval several times), short enough that faults on one
 * spacecraft rarely pile up.
 */
export function faultDurationMs(kind: AnomalyKind, everyMs: number, staleAfterSeconds: number): number {
  const base = Math.min(120_000, Math.max(30_000, everyMs));
  return kind === 'telemetry_dropout' ? Math.max(base, 3 * staleAfterSeconds * 1000) : base;
}

/** The index-th fault of the plan (0 = the first, one interval after the start). */
export function plannedFault(plan: AnomalyPlan, index: number): Fault {
  const count = plan.spacecraft.length;
  const spacecraft = plan.spacecraft[index % count]!;
  // Shifting the kind once per round keeps every spacecraft seeing every kind, even
  // when the fleet size and the number of kinds share a factor.
  const kind = ANOMALY_KINDS[(index + Math.floor(index / count)) % ANOMALY_KINDS.length]!;
  const startMs = plan.startMs + (index + 1) * plan.everyMs;
  const endMs = startMs + faultDurationMs(kind, plan.everyMs, plan.staleAfterSeconds);
  switch (kind) {
    case 'battery_overtemp':
      return { kind, spacecraft, channels: ['thermal.battery_temp'], startMs, endMs };
    case 'solar_array_failure':
      return { kind, spacecraft, channels: ['power.bus_voltage', 'power.battery_current'], startMs, endMs };
    case 'stuck_sensor':
      return { kind, spacecraft, channels: ['thermal.panel_temp'], startMs, endMs, stuckValue: PANEL_TEMP_FULL_SCALE_C };
    case 'telemetry_dropout': {
      const round = Math.floor(index / ANOMALY_KINDS.length);
      return { kind, spacecraft, channels: [DROPOUT_CHANNELS[round % DROPOUT_CHANNELS.length]!], startMs, endMs };
    }
    case 'wheel_overspeed':
      return { kind, spacecraft, channels: ['adcs.wheel_speed'], startMs, endMs };
  }
}

/** Index of the first fault that has not started by `nowMs`. */
export function faultsStartedBy(plan: AnomalyPlan, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - plan.startMs) / plan.everyMs));
}

export function isActive(fault: Fault, nowMs: number): boolean {
  return nowMs >= fault.startMs && nowMs < fault.endMs;
}

export function injectionRecord(plan: AnomalyPlan, index: number, fault: Fault = plannedFault(plan, index)): Injection {
  return {
    id: `${plan.runId}-${index + 1}`,
    spacecraft: fault.spacecraft,
    kind: fault.kind,
    channel: fault.channels[0]!,
    channels: fault.channels,
    startedAt: new Date(fault.startMs).toISOString(),
    endsAt: new Date(fault.endMs).toISOString(),
    expected: EXPECTED[fault.kind],
    description: DESCRIPTIONS[fault.kind],
  };
}
