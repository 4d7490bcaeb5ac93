/**
 * SGP4 throughput: Orbit's engine (src/core/orbit/sgp4/) against satellite.js 7's
 * fastest path, its WebAssembly BulkPropagator on one thread, on the same workload in
 * one process: catalogue objects spread evenly over ../shared/data/tle/catalog-2022-08.tle,
 * one-minute steps from the selection's median epoch, TEME position and velocity of
 * every object at every step, in blocks of `--block` steps: both engines write a block's
 * states (ordered by object then time) back to back, alternating which goes first, before
 * the next block. Each repetition sums each engine's time over the blocks; the figures
 * are medians over the repetitions.
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
/** One block of steps with Orbit's engine; returns the failed states. */
function orbitBlock(b: number): number {
  const first = blocks[b];
  const count = Math.min(block, steps - first);
  for (let i = 0; i < objects; i++) orbit.propagateTimes(i, startMs + first * 60_000, 60_000, count, out, errors, i * count * STATE_WIDTH, i * count);
  let failed = 0;
  for (let k = 0; k < objects * count; k++) if (errors[k] !== 0) failed++;
  return failed;
}

const runtime = await createSingleThreadRuntime();
const bulk = new BulkPropagator({ runtime, calculators: [new EciBaseCalculator()], satRecsCount: objects, datesCount: block });
bulk.setSatRecs(sets.map(([l1, l2]) => twoline2satrec(l1, l2)));
const dates = blocks.map((first) => Array.from({ length: Math.min(block, steps - first) }, (_, k) => new Date(startMs + (first + k) * 60_000)));
/** The same block with satellite.js. */
function satellitejsBlock(b: number): number {
  bulk.setDates(dates[b]);
  bulk.run();
  const codes = bulk.getRawOutput().eci.error;
  let failed = 0;
  for (let k = 0; k < objects * dates[b].length; k++) if (codes[k] !== 0) failed++;
  return failed;
}

/**
 * One repetition: every block with both engines back to back, alternating which goes
 * first, so that both meet the same load of a shared machine within a fraction of a second.
 */
function repetition(): { orbitMs: number; satellitejsMs: number; failed: { orbit: number; satellitejs: number } } {
  let orbitMs = 0;
  let satellitejsMs = 0;
  const failed = { orbit: 0, satellitejs: 0 };
  blocks.forEach((_, b) => {
    for (const engine of b % 2 === 0 ? ['orbit', 'satellitejs'] : ['satellitejs', 'orbit']) {
      const t0 = performance.now();
      if (engine === 'orbit') {
        failed.orbit += orbitBlock(b);
        orbitMs += performance.now() - t0;
      } else {
        failed.satellitejs += satellitejsBlock(b);
        satellitejsMs += performance.now() - t0;
      }
    }
  });
  return { orbitMs, satellitejsMs, failed };
}

const total = objects * steps;
// One untimed round lets both engines reach their optimised code.
const { failed: failures } = repetition();
const rates = { orbit: [] as number[], satellitejs: [] as number[], ratio: [] as number[] };
for (let r = 0; r < reps; r++) {
  const { orbitMs, satellitejsMs } = repetition();
  rates.orbit.push(total / (orbitMs / 1000));
  rates.satellitejs.push(total / (satellitejsMs / 1000));
  rates.ratio.push(satellitejsMs / orbitMs);
}
bulk.dispose();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const orbitPerSecond = Math.round(median(rates.orbit));
const satellitejsPerSecond = Math.round(median(rates.satellitejs));
// The median of the per-repetition ratios: within a repetition both engines shared the machine's load.
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
