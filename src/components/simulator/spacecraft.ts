/**
 * One simulated spacecraft: orbit from SGP4, sunlight from the solar ephemeris, and
 * lumped power, thermal and attitude models driven by them. `step` is pure: the same
 * model, state, time and faults give the same readings and next state.
 *
 * The power system is a small LEO bus: one-axis tracking arrays (the bus yaws to
 * follow the Sun out of the orbit plane, up to a limit), a 16 Ah Li-ion battery of
 * 8 cells on an unregulated bus, and loads that grow in eclipse when heaters run.
 */
import type { StateVector } from '../../core/orbit/sgp4.ts';
import { AU_KM, betaAngleDeg, illumination, sunPositionKm } from '../../core/orbit/sun.ts';
import { isActive, type Fault } from './anomalies.ts';
import { BATTERY_TEMP_ADC, LIMITS } from './channels.ts';
import { SeededRandom } from './random.ts';

export type ReadingValue = number | string | boolean;

export interface SimReading {
  channel: string;
  /** Epoch milliseconds. */
  time: number;
  value: ReadingValue;
}

export type Mode = 'nominal' | 'safe';

export interface SpacecraftModel {
  id: string;
  propagate(time: Date): StateVector;
  periodSeconds: number;
  seed: number;
}

export interface SpacecraftState {
  timeMs: number;
  socPct: number;
  panelTempC: number;
  batteryTempC: number;
  wheelRpm: number;
  mode: Mode;
  solarCurrentA: number;
  batteryCurrentA: number;
  busVoltageV: number;
  /** Position of the noise generator. */
  rng: number;
}

export const POWER = {
  arrayMaxA: 8,
  /** The bus yaws to keep the arrays square to the Sun for beta angles up to this. */
  yawLimitDeg: 45,
  loadA: 3.4,
  safeLoadA: 2.2,
  eclipseHeaterA: 0.6,
  capacityAh: 16,
  chargeEfficiency: 0.95,
  maxChargeA: 6,
  cells: 8,
  internalResistanceOhm: 0.1,
  chargeVoltageV: 33.6,
  /** Current the battery pours into a shorted array harness. */
  shortCircuitA: 55,
} as const;

export const THERMAL = {
  panelSunC: 70,
  panelEclipseC: -90,
  panelTauS: 300,
  batterySunC: 21,
  batteryEclipseC: 16,
  batteryTauS: 600,
  /** Temperature rise per watt dissipated in the battery (I²R) at equilibrium. */
  batteryKPerW: 0.08,
} as const;

export const ATTITUDE = { wheelBiasRpm: 1200, wheelSwingRpm: 500, wheelTauS: 30 } as const;

/** Onboard fault protection: enter safe mode on low charge or a sagging bus, leave with margin. */
export const FDIR = { safeBelowSocPct: 50, safeBelowBusV: 28, nominalAboveSocPct: 90 } as const;

/** What a fault drives its channel toward: far enough past the red limit to be unmistakable. */
const BATTERY_FAULT_TARGET_C = LIMITS['thermal.battery_temp'].redHigh + 8;
const WHEEL_FAULT_TARGET_RPM = LIMITS['adcs.wheel_speed'].redHigh + 800;

const DEG = Math.PI / 180;
/** Longest integration step: keeps eclipse entry and exit sharp when ticks are far apart. */
const MAX_SUBSTEP_MS = 10_000;
/** Gaps longer than this (a suspended laptop) are skipped rather than integrated. */
const MAX_GAP_MS = 6 * 3600_000;

interface Environment {
  orbit: StateVector;
  illumination: number;
  betaDeg: number;
  /** Solar flux relative to its value at 1 AU. */
  flux: number;
}

function environment(model: SpacecraftModel, time: Date): Environment {
  const orbit = model.propagate(time);
  const sun = sunPositionKm(time);
  const distanceAu = Math.hypot(...sun) / AU_KM;
  return {
    orbit,
    illumination: illumination(orbit.positionKm, sun),
    betaDeg: betaAngleDeg(orbit.positionKm, orbit.velocityKmS, sun),
    flux: 1 / (distanceAu * distanceAu),
  };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
/** Exact first-order response over dt toward a constant target. */
const relax = (value: number, target: number, dtS: number, tauS: number): number => target + (value - target) * Math.exp(-dtS / tauS);

const openCircuitV = (socPct: number): number => POWER.cells * (3.45 + 0.7 * (socPct / 100));

/** Cosine of the angle between the array normal and the Sun. */
function incidence(mode: Mode, betaDeg: number): number {
  if (mode === 'safe') return 1; // safe mode points the arrays straight at the Sun
  return Math.cos(Math.max(0, Math.abs(betaDeg) - POWER.yawLimitDeg) * DEG);
}

/** Spreads the fleet's periodic signals so the spacecraft do not move in lockstep. */
const phaseOf = (model: SpacecraftModel): number => (model.seed % 360) * DEG;

function wheelProfileRpm(model: SpacecraftModel, timeMs: number): number {
  // Gravity-gradient and drag torques are stored in the wheel and cycle once per orbit.
  const phase = phaseOf(model) + (2 * Math.PI * timeMs) / 1000 / model.periodSeconds;
  return ATTITUDE.wheelBiasRpm + ATTITUDE.wheelSwingRpm * Math.sin(phase);
}

function electrical(state: SpacecraftState, env: Environment, faults: readonly Fault[]) {
  const shorted = faults.some((f) => f.kind === 'solar_array_failure');
  const solarA = shorted ? 0 : POWER.arrayMaxA * env.illumination * incidence(state.mode, env.betaDeg) * env.flux;
  const loadA = (state.mode === 'safe' ? POWER.safeLoadA : POWER.loadA) + (env.illumination < 0.5 ? POWER.eclipseHeaterA : 0);
  let batteryA = solarA - loadA;
  // Near full charge the charger tapers (constant voltage); the rest is shunted.
  if (batteryA > 0) batteryA = Math.min(batteryA, POWER.maxChargeA * clamp((100 - state.socPct) / 4, 0, 1));
  if (shorted) batteryA -= POWER.shortCircuitA;
  let busV = openCircuitV(state.socPct) + batteryA * POWER.internalResistanceOhm;
  if (batteryA > 0) busV = Math.min(busV, POWER.chargeVoltageV);
  return { solarA, batteryA, busV };
}

function integrate(model: SpacecraftModel, state: SpacecraftState, env: Environment, dtS: number, timeMs: number, faults: readonly Fault[]): SpacecraftState {
  const { solarA, batteryA, busV } = electrical(state, env, faults);
  const charge = batteryA > 0 ? POWER.chargeEfficiency * batteryA : batteryA;
  const socPct = clamp(state.socPct + ((charge * dtS) / 3600 / POWER.capacityAh) * 100, 0, 100);

  const panelEq = THERMAL.panelEclipseC + (THERMAL.panelSunC - THERMAL.panelEclipseC) * env.illumination * incidence(state.mode, env.betaDeg);
  const batteryEq =
    THERMAL.batteryEclipseC + (THERMAL.batterySunC - THERMAL.batteryEclipseC) * env.illumination + batteryA * batteryA * POWER.internalResistanceOhm * THERMAL.batteryKPerW;
  const heater = faults.find((f) => f.kind === 'battery_overtemp');
  const wheel = faults.find((f) => f.kind === 'wheel_overspeed');
  // A fault reaches its target in about half its window (three time constants), whatever the window's length.
  const faultTau = (f: Fault): number => (f.endMs - f.startMs) / 6000;

  let mode = state.mode;
  if (mode === 'nominal' && (socPct < FDIR.safeBelowSocPct || busV < FDIR.safeBelowBusV)) mode = 'safe';
  else if (mode === 'safe' && socPct > FDIR.nominalAboveSocPct && busV >= FDIR.safeBelowBusV) mode = 'nominal';

  return {
    ...state,
    timeMs,
    socPct,
    panelTempC: relax(state.panelTempC, panelEq, dtS, THERMAL.panelTauS),
    batteryTempC: heater ? relax(state.batteryTempC, BATTERY_FAULT_TARGET_C, dtS, faultTau(heater)) : relax(state.batteryTempC, batteryEq, dtS, THERMAL.batteryTauS),
    wheelRpm: wheel ? relax(state.wheelRpm, WHEEL_FAULT_TARGET_RPM, dtS, faultTau(wheel)) : relax(state.wheelRpm, wheelProfileRpm(model, timeMs), dtS, ATTITUDE.wheelTauS),
    mode,
    solarCurrentA: solarA,
    batteryCurrentA: batteryA,
    busVoltageV: busV,
  };
}

/** A spacecraft in thermal equilibrium with where it is at `time`, battery nearly full. */
export function initialState(model: SpacecraftModel, time: Date): SpacecraftState {
  const rng = new SeededRandom(model.seed);
  const env = environment(model, time);
  const base: SpacecraftState = {
    timeMs: time.getTime(),
    socPct: 92 + 6 * rng.next(),
    panelTempC: THERMAL.panelEclipseC + (THERMAL.panelSunC - THERMAL.panelEclipseC) * env.illumination * incidence('nominal', env.betaDeg),
    batteryTempC: THERMAL.batteryEclipseC + (THERMAL.batterySunC - THERMAL.batteryEclipseC) * env.illumination,
    wheelRpm: wheelProfileRpm(model, time.getTime()),
    mode: 'nominal',
    solarCurrentA: 0,
    batteryCurrentA: 0,
    busVoltageV: 0,
    rng: rng.state,
  };
  const { solarA, batteryA, busV } = electrical(base, env, []);
  return { ...base, solarCurrentA: solarA, batteryCurrentA: batteryA, busVoltageV: busV };
}

const round = (value: number, decimals: number): number => {
  const k = 10 ** decimals;
  return Math.round(value * k) / k;
};

/** What the sensors report: the state plus noise, then what faults do to the readings. */
function sense(model: SpacecraftModel, state: SpacecraftState, env: Environment, timeMs: number, faults: readonly Fault[], rng: SeededRandom): SimReading[] {
  const { orbit } = env;
  const speed = Math.hypot(...orbit.velocityKmS);
  // Noise is drawn in a fixed order whatever the faults, so a fault does not reshuffle the other channels.
  const noise = {
    solar: rng.gaussian(0.02),
    battery: rng.gaussian(0.02),
    soc: rng.gaussian(0.05),
    bus: rng.gaussian(0.02),
    panel: rng.gaussian(0.3),
    batteryTemp: rng.gaussian(0.1),
    wheel: rng.gaussian(4),
    signal: rng.gaussian(0.8),
  };
  const counts = clamp(Math.round((state.batteryTempC + noise.batteryTemp - BATTERY_TEMP_ADC.c0) / BATTERY_TEMP_ADC.c1), 0, BATTERY_TEMP_ADC.maxCounts);
  // Relay link margin varies slowly with geometry; twice per orbit is a fair stand-in.
  const signal = -96 + 3 * Math.sin((4 * Math.PI * timeMs) / 1000 / model.periodSeconds + phaseOf(model)) + noise.signal;
  const values: [string, ReadingValue][] = [
    ['orbit.altitude', round(orbit.altitudeKm, 3)],
    ['orbit.latitude', round(orbit.latitudeDeg, 4)],
    ['orbit.longitude', round(orbit.longitudeDeg, 4)],
    ['orbit.speed', round(speed, 4)],
    ['power.solar_current', state.solarCurrentA > 0 ? round(Math.max(0, state.solarCurrentA + noise.solar), 3) : 0],
    ['power.battery_current', round(state.batteryCurrentA + noise.battery, 3)],
    ['power.battery_soc', round(clamp(state.socPct + noise.soc, 0, 100), 2)],
    ['power.bus_voltage', round(state.busVoltageV + noise.bus, 3)],
    ['thermal.panel_temp', round(state.panelTempC + noise.panel, 2)],
    ['thermal.battery_temp', counts],
    ['adcs.wheel_speed', round(state.wheelRpm + noise.wheel, 1)],
    ['comms.signal_strength', round(signal, 1)],
    ['mode', state.mode],
    ['eclipse', env.illumination < 0.5],
  ];
  const dropped = new Set(faults.filter((f) => f.kind === 'telemetry_dropout').flatMap((f) => f.channels));
  const stuck = new Map(faults.filter((f) => f.kind === 'stuck_sensor').flatMap((f) => f.channels.map((c) => [c, f.stuckValue] as const)));
  const readings: SimReading[] = [];
  for (const [channel, value] of values) {
    if (dropped.has(channel)) continue;
    const pinned = stuck.get(channel);
    readings.push({ channel, time: timeMs, value: pinned ?? value });
  }
  return readings;
}

/**
 * Advances the spacecraft to `time` and reads its sensors. `faults` may include
 * inactive ones; only those active at each instant act.
 */
export function step(model: SpacecraftModel, state: SpacecraftState, time: Date, faults: readonly Fault[] = []): { state: SpacecraftState; readings: SimReading[] } {
  const rng = new SeededRandom(state.rng);
  const target = time.getTime();
  let current = state;
  if (target - current.timeMs > MAX_GAP_MS) current = { ...current, timeMs: target - MAX_SUBSTEP_MS };
  let env: Environment | undefined;
  while (current.timeMs < target) {
    const next = Math.min(target, current.timeMs + MAX_SUBSTEP_MS);
    env = environment(model, new Date(next));
    const active = faults.filter((f) => isActive(f, next));
    current = integrate(model, current, env, (next - current.timeMs) / 1000, next, active);
  }
  env ??= environment(model, time);
  const readings = sense(model, current, env, target, faults.filter((f) => isActive(f, target)), rng);
  return { state: { ...current, rng: rng.state }, readings };
}
