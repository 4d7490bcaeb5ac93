/**
 * Which orbits the simulated fleet flies. Real low-Earth orbits from a TLE catalogue
 * when one is at hand, re-declared at the start time so SGP4 stays valid "now";
 * plausible made-up ones otherwise, so the simulator works anywhere.
 */
import { readFile } from 'node:fs/promises';
import { formatTle, parseTle, reEpochTle, splitTleText, validateTle, type TleElements } from '../../core/orbit/tle.ts';
import { createPropagator } from '../../core/orbit/sgp4.ts';
import { seedFrom } from './random.ts';
import type { SpacecraftModel } from './spacecraft.ts';

export interface FleetMember {
  id: string;
  name: string;
  tle: [string, string];
  /** Where the orbit came from: a catalogue number, or 'synthetic'. */
  origin: string;
}

export interface Fleet {
  members: FleetMember[];
  source: 'catalog' | 'synthetic';
  /** Why the catalogue was not used, when it was not. */
  reason?: string;
}

const MU_KM3_S2 = 398_600.4418;
const EARTH_RADIUS_KM = 6378.137;

/**
 * Near-circular orbits between roughly 380 and 570 km with modest drag: they stay up
 * and keep their shape when flown far past their catalogue epoch.
 */
function isSuitableLeo(e: TleElements): boolean {
  return e.meanMotionRevPerDay >= 14.8 && e.meanMotionRevPerDay <= 15.6 && e.eccentricity < 0.005 && e.bstar >= 0 && e.bstar < 5e-4;
}

/** The catalogue's element sets the fleet may fly (see isSuitableLeo), by catalogue number. */
export function suitableOrbits(text: string): { line1: string; line2: string; elements: TleElements }[] {
  const candidates: { line1: string; line2: string; elements: TleElements }[] = [];
  for (const { line1, line2 } of splitTleText(text)) {
    if (validateTle(line1, line2).length) continue;
    const elements = parseTle(line1, line2);
    if (isSuitableLeo(elements)) candidates.push({ line1, line2, elements });
  }
  return candidates.sort((a, b) => a.elements.satnum - b.elements.satnum);
}

/** `count` items spread evenly through `items` (the middle of each of `count` equal slices); none when too few. */
export function spreadEvenly<T>(items: T[], count: number): T[] {
  if (items.length < count) return [];
  return Array.from({ length: count }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / count)]!);
}

/** `count` suitable orbits spread evenly through the catalogue (by catalogue number), re-epoched to `epoch`. */
export function pickFromCatalog(text: string, count: number, epoch: Date): { tle: [string, string]; satnum: number }[] {
  return spreadEvenly(suitableOrbits(text), count).map((chosen) => ({ tle: reEpochTle(chosen.line1, chosen.line2, epoch), satnum: chosen.elements.satnum }));
}

const TEMPLATES = [
  { inclinationDeg: 51.6, altitudeKm: 420 }, // space-station-like
  { inclinationDeg: 97.8, altitudeKm: 550 }, // Sun-synchronous
  { inclinationDeg: 53, altitudeKm: 540 }, // broadband constellation shell
] as const;

const revPerDay = (altitudeKm: number): number => (Math.sqrt(MU_KM3_S2 / (EARTH_RADIUS_KM + altitudeKm) ** 3) * 86_400) / (2 * Math.PI);

/** Made-up but flyable orbits: the templates in turn, planes and phases spread by the golden ratio. */
export function syntheticOrbits(count: number, epoch: Date): [string, string][] {
  const golden = 0.6180339887;
  return Array.from({ length: count }, (_, i) => {
    const t = TEMPLATES[i % TEMPLATES.length]!;
    return formatTle({
      satnum: 99_001 + i,
      epoch,
      inclinationDeg: t.inclinationDeg,
      raanDeg: (360 * ((i * golden) % 1) + 360) % 360,
      eccentricity: 0.0004,
      argPerigeeDeg: 90,
      meanAnomalyDeg: (137.5 * i) % 360,
      meanMotionRevPerDay: revPerDay(t.altitudeKm + 10 * Math.floor(i / TEMPLATES.length)),
      bstar: 2e-5,
      internationalDesignator: 'SIM',
    });
  });
}

export async function loadFleet(options: { count: number; tleFile: string; epoch: Date }): Promise<Fleet> {
  const { count, tleFile, epoch } = options;
  const member = (i: number, tle: [string, string], origin: string): FleetMember => ({ id: `sim-${i + 1}`, name: `Simulated spacecraft ${i + 1}`, tle, origin });
  let reason: string;
  try {
    const picked = pickFromCatalog(await readFile(tleFile, 'utf8'), count, epoch);
    if (picked.length === count) return { source: 'catalog', members: picked.map((p, i) => member(i, p.tle, `catalog ${p.satnum}`)) };
    reason = `${tleFile} has fewer than ${count} suitable low-Earth orbits`;
  } catch (error) {
    reason = `${tleFile} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  return { source: 'synthetic', reason, members: syntheticOrbits(count, epoch).map((tle, i) => member(i, tle, 'synthetic')) };
}

export function spacecraftModel(member: FleetMember): SpacecraftModel {
  const meanMotion = parseTle(member.tle[0], member.tle[1]).meanMotionRevPerDay;
  return {
    id: member.id,
    propagate: createPropagator(member.tle[0], member.tle[1]),
    periodSeconds: 86_400 / meanMotion,
    seed: seedFrom(member.id),
  };
}
