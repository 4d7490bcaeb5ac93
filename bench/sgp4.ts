/**
 * SGP4 throughput: Orbit's engine (src/core/orbit/sgp4/) against satellite.js 7's
 * fastest path, its WebAssembly BulkPropagator on one thread, on the same workload in
 * one process: catalogue objects spread evenly over ../shared/data/tle/catalog-2022-08.tle,
 * one-minute steps from the selection's median epoch, TEME position and velocity of
 * every object at every step, in blocks of `--block` steps (both engines write one
 * block's states, ordered by object then time, before the next). Repetitions alternate
 * which engine goes first; the figures are medians.
 *
 *   npm run bench:sgp4 [-- --objects 2000] [--steps 1440] [--block 144] [--reps 7] [--json]
 *
 * --json prints one line: {"orbitPerSecond": N, "satellitejsPerSecond": N, "ratio": N}.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BulkPropagator, createSingleThreadRuntime, EciBaseCalculator, twoline2satrec } from 'satellite.js';
import { Sgp4Batch, STATE_WIDTH } from '../src/core/orbit/sgp4/batch.ts';

const { values: args } = parseArgs({
  options: {
    objects: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '1440' },
    block: { type: 'string', default: '144' },
    reps: { type: 'string', default: '7' },
    catalog: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/data/tle/catalog-2022-08.tle') },
    json: { type: 'boolean', default: false },
  },
});

const whole = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} takes a positive whole number, got ${value}`);
    process.exit(2);
  }
  return n;
};
const objects = whole('objects', args.objects);
const steps = whole('steps', args.steps);
const block = Math.min(whole('block', args.block), steps);
const reps = whole('reps', args.reps);
if (!existsSync(args.catalog)) {
  console.error(`catalogue not found at ${args.catalog}`);
  process.exit(1);
}

const lines = readFileSync(args.catalog, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim());
const available = Math.floor(lines.length / 2);
if (objects > available) {
  console.error(`--objects ${objects}: the catalogue has ${available}`);
  process.exit(2);
}
const sets: [string, string][] = [];
for (let k = 0; k < objects; k++) {
  const j = Math.floor((k * available) / objects);
  sets.push([lines[2 * j].trimEnd(), lines[2 * j + 1].trimEnd()]);
}

const orbit = Sgp4Batch.fromTle(sets);
const epochs = sets.map((_, i) => orbit.epochMs(i)).sort((a, b) => a - b);
const startMs = Math.round(epochs[Math.floor(objects / 2)] / 60_000) * 60_000;
const blocks: number[] = [];
for (let first = 0; first < steps; first += block) blocks.push(first);

const out = new Float64Array(objects * block * STATE_WIDTH);
const errors = new Uint8Array(objects * block);
function runOrbit(): number {
  let failed = 0;
  for (const first of blocks) {
    const count = Math.min(block, steps - first);
    for (let i = 0; i < objects; i++) orbit.propagateTimes(i, startMs + first * 60_000, 60_000, count, out, errors, i * count * STATE_WIDTH, i * count);
    for (let k = 0; k < objects * count; k++) if (errors[k] !== 0) failed++;
  }
  return failed;
}

const runtime = await createSingleThreadRuntime();
const bulk = new BulkPropagator({ runtime, calculators: [new EciBaseCalculator()], satRecsCount: objects, datesCount: block });
bulk.setSatRecs(sets.map(([l1, l2]) => twoline2satrec(l1, l2)));
const dates = blocks.map((first) => Array.from({ length: Math.min(block, steps - first) }, (_, k) => new Date(startMs + (first + k) * 60_000)));
function runSatellitejs(): number {
  let failed = 0;
  for (const d of dates) {
    bulk.setDates(d);
    bulk.run();
    const codes = bulk.getRawOutput().eci.error;
    for (let k = 0; k < objects * d.length; k++) if (codes[k] !== 0) failed++;
  }
  return failed;
}

const total = objects * steps;
const time = (run: () => number): { perSecond: number; failed: number } => {
  const t0 = performance.now();
  const failed = run();
  return { perSecond: total / ((performance.now() - t0) / 1000), failed };
};

// One untimed round each lets both engines reach their optimised code.
const failures = { orbit: runOrbit(), satellitejs: runSatellitejs() };
const rates = { orbit: [] as number[], satellitejs: [] as number[], ratio: [] as number[] };
for (let r = 0; r < reps; r++) {
  const first = r % 2 === 0;
  const a = first ? time(runOrbit) : undefined;
  const b = time(runSatellitejs);
  const o = a ?? time(runOrbit);
  rates.orbit.push(o.perSecond);
  rates.satellitejs.push(b.perSecond);
  rates.ratio.push(o.perSecond / b.perSecond);
}
bulk.dispose();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const orbitPerSecond = Math.round(median(rates.orbit));
const satellitejsPerSecond = Math.round(median(rates.satellitejs));
// The median of the per-repetition ratios: each pair ran back to back, so it shares the machine's load.
const ratio = Number(median(rates.ratio).toFixed(2));

if (args.json) {
  console.log(JSON.stringify({ orbitPerSecond, satellitejsPerSecond, ratio }));
} else {
  const deep = sets.filter((_, i) => orbit.isDeepSpace(i)).length;
  const m = (x: number): string => `${(x / 1e6).toFixed(2)} M/s`;
  console.log(`${objects} objects (${deep} deep-space) x ${steps} one-minute steps from ${new Date(startMs).toISOString()}, blocks of ${block}, ${reps} repetitions`);
  console.log(`failed states: Orbit ${failures.orbit}, satellite.js ${failures.satellitejs} per run`);
  console.log('');
  console.log('engine                   median       runs');
  console.log(`Orbit (typed arrays)     ${m(orbitPerSecond).padEnd(12)} ${rates.orbit.map((x) => (x / 1e6).toFixed(2)).join(' ')}`);
  console.log(`satellite.js (wasm bulk) ${m(satellitejsPerSecond).padEnd(12)} ${rates.satellitejs.map((x) => (x / 1e6).toFixed(2)).join(' ')}`);
  console.log(`ratio                    ${ratio.toFixed(2).padEnd(12)} ${rates.ratio.map((x) => x.toFixed(2)).join(' ')}`);
}
