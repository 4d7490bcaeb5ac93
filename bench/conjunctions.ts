/**
 * Conjunction screening benchmark: the whole catalogue in ../shared/data/tle (25,975
 * objects, August 2022) against itself over 24 h at 2 km, on as many worker threads as
 * there are cores, then a check of the answer against brute force on a 300-object sample
 * (the objects of the conjunctions found, filled up with whole 2022 launches).
 *
 *   npm run bench:conjunctions [-- --json] [--hours 24] [--threshold 2] [--threads N] [--sample 300] [--no-check]
 *
 * --json prints one line: {"objects", "hours", "seconds", "conjunctions", ...}; `seconds`
 * is the screening's wall time, from the catalogue's text to the merged answer, and
 * `cpuSeconds` the CPU time all its threads spent (on a busy machine, the steadier figure).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { splitTleText } from '../src/core/orbit/tle.ts';
import { screenConjunctionsInParallel } from '../src/core/orbit/conjunctions/parallel.ts';
import { bruteForceConjunctions, compareWithBruteForce, type Agreement } from '../src/core/orbit/conjunctions/brute-force.ts';
import { crowdedSample } from '../src/core/orbit/conjunctions/sample.ts';

const CATALOGUE = path.resolve(import.meta.dirname, '../../shared/data/tle/catalog-2022-08.tle');
/** The catalogue's element sets date from up to 2022-08-09; the window starts the day after. */
const FROM = Date.UTC(2022, 7, 10);

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    hours: { type: 'string', default: '24' },
    threshold: { type: 'string', default: '2' },
    threads: { type: 'string', default: String(availableParallelism()) },
    sample: { type: 'string', default: '300' },
    'no-check': { type: 'boolean', default: false },
  },
});
const hours = Number(args.hours);
const thresholdKm = Number(args.threshold);
const threads = Number(args.threads);
const sampleSize = Number(args.sample);
if (!(hours > 0) || !(thresholdKm > 0) || !(Number.isInteger(threads) && threads >= 1) || !(Number.isInteger(sampleSize) && sampleSize >= 2)) {
  console.error('--hours and --threshold take positive numbers, --threads a whole number from 1, --sample one from 2');
  process.exit(2);
}

const began = performance.now();
const cpuBefore = process.cpuUsage();
const sets = splitTleText(readFileSync(CATALOGUE, 'utf8'));
const options = { fromMs: FROM, toMs: FROM + hours * 3_600_000, thresholdKm };
const result = await screenConjunctionsInParallel(sets, options, { threads });
const seconds = (performance.now() - began) / 1000;
// CPU of every thread of the process: what the screening costs however busy the machine is.
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

let check: (Agreement & { objects: number; seconds: number; found: number }) | undefined;
if (!args['no-check']) {
  const checkBegan = performance.now();
  // Both objects of each conjunction, the closest first, so that the sample holds whole pairs.
  const closest = [...result.conjunctions].sort((a, b) => a.missDistanceKm - b.missDistanceKm);
  const sample = crowdedSample(sets, sampleSize, closest.flatMap((c) => [c.primary.satnum, c.secondary.satnum]));
  const inSample = new Set(sample.map((s) => Number(s.line1.slice(2, 7))));
  // The brute force drops objects that fail anywhere in the window; so does the comparison.
  const failed = new Set(result.failures.map((f) => f.satnum));
  const brute = bruteForceConjunctions(sample, { ...options, stepS: 10 });
  const screened = result.conjunctions.filter(
    (c) => inSample.has(c.primary.satnum) && inSample.has(c.secondary.satnum) && !failed.has(c.primary.satnum) && !failed.has(c.secondary.satnum),
  );
  const agreement = compareWithBruteForce(screened, brute, thresholdKm);
  check = { objects: sample.length, found: brute.conjunctions.length, ...agreement, seconds: (performance.now() - checkBegan) / 1000 };
}

const round = (x: number, places: number): number => Number(x.toFixed(places));
if (args.json) {
  console.log(
    JSON.stringify({
      objects: result.objects,
      hours,
      seconds: round(seconds, 2),
      conjunctions: result.conjunctions.length,
      cpuSeconds: round(cpuSeconds, 2),
      thresholdKm,
      threads,
      screened: result.screened,
      failures: result.failures.length,
      candidates: result.stats.candidates,
      ...(check
        ? {
            check: {
              objects: check.objects,
              bruteForce: check.found,
              matched: check.matched,
              missed: check.missed.length,
              extra: check.extra.length,
              maxMissDifferenceM: round(check.maxMissDifferenceKm * 1000, 4),
              maxTcaDifferenceM: round(check.maxTcaDifferenceKm * 1000, 4),
              seconds: round(check.seconds, 2),
            },
          }
        : {}),
    }),
  );
} else {
  console.log(`${result.objects.toLocaleString('en')} objects (${result.screened.toLocaleString('en')} screened, ${result.failures.length} failed to propagate), ${hours} h from ${new Date(FROM).toISOString()}, threshold ${thresholdKm} km, ${threads} threads`);
  console.log(`screened in ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s of CPU): ${result.conjunctions.length} conjunctions (${result.stats.candidates.toLocaleString('en')} candidates refined; sieve every ${result.stats.sieveStepS} s, SGP4 every ${result.stats.propagationStepS} s, cells of ${result.stats.cellKm.toFixed(0)} km)`);
  for (const c of [...result.conjunctions].sort((a, b) => a.missDistanceKm - b.missDistanceKm).slice(0, 10)) {
    console.log(`  ${c.tca.toISOString()}  ${String(c.primary.satnum).padStart(6)} × ${String(c.secondary.satnum).padStart(6)}  miss ${(c.missDistanceKm * 1000).toFixed(0).padStart(5)} m  at ${c.relativeSpeedKmS.toFixed(2)} km/s`);
  }
  if (check) {
    const agrees = check.missed.length === 0 && check.extra.length === 0;
    console.log(
      `brute force on ${check.objects} objects (every pair, SGP4 every 10 s; ${check.seconds.toFixed(1)} s): ${check.found} conjunctions, ${check.matched} matched, ${check.missed.length} missed, ${check.extra.length} extra` +
        `; miss distances within ${(check.maxMissDifferenceKm * 1000).toFixed(3)} m, TCAs within ${(check.maxTcaDifferenceKm * 1000).toFixed(3)} m of relative motion — ${agrees ? 'agrees' : 'DISAGREES'}`,
    );
    for (const m of check.missed) console.log(`  missed: ${m.satnums.join(' × ')} at ${m.tca.toISOString()}, ${m.missDistanceKm.toFixed(3)} km`);
    for (const m of check.extra) console.log(`  extra: ${m.satnums.join(' × ')} at ${m.tca.toISOString()}, ${m.missDistanceKm.toFixed(3)} km`);
  }
}
if (check && (check.missed.length || check.extra.length)) process.exitCode = 1;
