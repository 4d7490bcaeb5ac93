/**
 * The fleet in flight: each spacecraft's state, advanced tick by tick, with the
 * anomaly schedule's faults applied as they come due. No I/O and no clock: the
 * caller says what time it is, so a test can fly an orbit in milliseconds.
 */
import { faultsStartedBy, injectionRecord, plannedFault, type AnomalyPlan, type Fault, type Injection } from './anomalies.ts';
import { initialState, step, type SimReading, type SpacecraftModel, type SpacecraftState } from './spacecraft.ts';

export interface TickResult {
  batches: { spacecraft: string; readings: SimReading[] }[];
  /** Faults that started since the previous tick. */
  injections: Injection[];
  /** Spacecraft that could not be advanced (SGP4 gave up on their orbit, say). */
  failures: { spacecraft: string; error: unknown }[];
}

export class Flight {
  readonly plan: AnomalyPlan;
  #models: SpacecraftModel[];
  #states = new Map<string, SpacecraftState>();
  #faults: Fault[] = [];
  #nextFault = 0;
  #lastMs: number;

  constructor(models: SpacecraftModel[], plan: AnomalyPlan) {
    this.#models = models;
    this.plan = plan;
    this.#lastMs = plan.startMs;
    for (const model of models) this.#states.set(model.id, initialState(model, new Date(plan.startMs)));
  }

  state(spacecraft: string): SpacecraftState | undefined {
    return this.#states.get(spacecraft);
  }

  tick(time: Date): TickResult {
    const nowMs = time.getTime();
    const injections: Injection[] = [];
    const due = faultsStartedBy(this.plan, nowMs);
    for (; this.#nextFault < due; this.#nextFault++) {
      const fault = plannedFault(this.plan, this.#nextFault);
      // A fault that began and ended while the simulator was not ticking (a suspended
      // machine) never showed in telemetry; recording it would only count as a miss.
      if (fault.endMs <= nowMs) continue;
      this.#faults.push(fault);
      injections.push(injectionRecord(this.plan, this.#nextFault, fault));
    }
    // Faults matter while any part of the interval being integrated overlaps them.
    this.#faults = this.#faults.filter((f) => f.endMs > this.#lastMs);

    const result: TickResult = { batches: [], injections, failures: [] };
    for (const model of this.#models) {
      try {
        const faults = this.#faults.filter((f) => f.spacecraft === model.id);
        const next = step(model, this.#states.get(model.id)!, time, faults);
        this.#states.set(model.id, next.state);
        result.batches.push({ spacecraft: model.id, readings: next.readings });
      } catch (error) {
        result.failures.push({ spacecraft: model.id, error });
      }
    }
    this.#lastMs = Math.max(this.#lastMs, nowMs);
    return result;
  }
}
