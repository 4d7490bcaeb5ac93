/**
 * Conjunction screening on the calling thread: prepares the catalogue, screens every
 * slice of the window and merges what the slices found. screenConjunctionsInParallel
 * (parallel.ts) spreads the same slices over worker threads.
 */
import { makePlan, sliceWindow, type ScreeningOptions, type ScreeningPlan, type Slice } from './plan.ts';
import { prepareObjects, type ElementSet, type ObjectId, type PropagationFailure, type ScreenedObject } from './objects.ts';
import { mergeEncounters, screenSlice, type RawConjunction, type RawFailure, type SliceResult } from './sieve.ts';

export interface Conjunction {
  primary: ObjectId;
  secondary: ObjectId;
  /** Time of closest approach, to the millisecond. */
  tca: Date;
  missDistanceKm: number;
  relativeSpeedKmS: number;
}

export interface ScreeningResult {
  /** Element sets given. */
  objects: number;
  /** Objects screened for the whole window (not failed at all). */
  screened: number;
  thresholdKm: number;
  from: Date;
  to: Date;
  /** In order of time of closest approach. */
  conjunctions: Conjunction[];
  /** Sets that could not be initialised, and objects SGP4 failed for during the window (screened up to then). */
  failures: PropagationFailure[];
  stats: {
    propagationStepS: number;
    sieveStepS: number;
    cellKm: number;
    /** Pairs found within a cell's reach of each other at a sample, summed over samples. */
    nearPairs: number;
    /** Pairs passed to refinement, summed over samples. */
    candidates: number;
  };
}

export type { ElementSet, ScreeningOptions, ScreeningPlan, Slice, SliceResult };

/** Joins the results of all slices into the caller's form. */
export function assembleResult(
  sets: readonly ElementSet[],
  objects: readonly ScreenedObject[],
  setFailures: readonly PropagationFailure[],
  plan: ScreeningPlan,
  options: ScreeningOptions,
  slices: readonly SliceResult[],
): ScreeningResult {
  const raw: RawConjunction[] = slices.flatMap((s) => s.conjunctions);
  // A failure seen in several slices is reported once, at its earliest time.
  const firstFailure = new Map<number, RawFailure>();
  for (const f of slices.flatMap((s) => s.failures)) {
    const known = firstFailure.get(f.object);
    if (!known || f.atMs < known.atMs) firstFailure.set(f.object, f);
  }
  const id = (o: ScreenedObject): ObjectId => ({ satnum: o.satnum, ...(o.name ? { name: o.name } : {}) });
  const conjunctions = mergeEncounters(raw).map((c) => ({
    primary: id(objects[c.first]),
    secondary: id(objects[c.second]),
    tca: new Date(Math.round(c.tcaMs)),
    missDistanceKm: c.missKm,
    relativeSpeedKmS: c.relativeSpeedKmS,
  }));
  const failures = [
    ...setFailures,
    ...[...firstFailure.values()].sort((a, b) => a.atMs - b.atMs).map((f) => ({ ...id(objects[f.object]), at: new Date(f.atMs), reason: f.reason })),
  ];
  return {
    objects: sets.length,
    screened: objects.length - firstFailure.size,
    thresholdKm: plan.thresholdKm,
    from: new Date(plan.fromMs),
    to: new Date(plan.toMs),
    conjunctions,
    failures,
    stats: {
      propagationStepS: plan.propagationStepMs / 1000,
      sieveStepS: plan.sieveStepMs / 1000,
      cellKm: plan.cellKm,
      nearPairs: slices.reduce((n, s) => n + s.nearPairs, 0),
      candidates: slices.reduce((n, s) => n + s.candidates, 0),
    },
  };
}

/** Screens the element sets against each other over [fromMs, toMs] on this thread. */
export function screenConjunctions(sets: readonly ElementSet[], options: ScreeningOptions): ScreeningResult {
  const { objects, failures } = prepareObjects(sets, options.fromMs, options.toMs);
  const plan = makePlan(options, objects);
  const slices = sliceWindow(plan, 1).map((slice) => screenSlice(objects, plan, slice));
  return assembleResult(sets, objects, failures, plan, options, slices);
}

/**
 * For a job framework that runs slices on its own worker pool: the plan and the slices,
 * computed once on the coordinating thread, which then hands each slice with the plan to
 * screenSliceOfSets on a worker and gives every SliceResult to assembleResult.
 */
export function planScreening(sets: readonly ElementSet[], options: ScreeningOptions, sliceCount: number): { objects: ScreenedObject[]; failures: PropagationFailure[]; plan: ScreeningPlan; slices: Slice[] } {
  const { objects, failures } = prepareObjects(sets, options.fromMs, options.toMs);
  const plan = makePlan(options, objects);
  return { objects, failures, plan, slices: sliceWindow(plan, sliceCount) };
}

// The catalogue of the last screening a thread worked on: a worker that takes several
// slices of one screening initialises the element sets once.
let prepared: { key: string; objects: ScreenedObject[] } | undefined;

/**
 * One slice, on any thread. `key` names the screening (a job id, say): slices of the same
 * key reuse the objects this thread prepared for it.
 */
export function screenSliceOfSets(key: string, sets: readonly ElementSet[], plan: ScreeningPlan, slice: Slice): SliceResult {
  if (prepared?.key !== key) prepared = { key, objects: prepareObjects(sets, plan.fromMs, plan.toMs).objects };
  return screenSlice(prepared.objects, plan, slice);
}
