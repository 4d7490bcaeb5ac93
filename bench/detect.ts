/**
 * Anomaly detection benchmark: runs a detector over the 58 series of the Numenta
 * Anomaly Benchmark (../shared/data/nab) and scores it by NAB's rules (bench/nab/):
 * per profile the threshold NAB's optimiser picks, the raw total and the score
 * normalised so that the null detector is 0 and the perfect one 100, beside NAB's
 * published score when NAB published one for that detector.
 *
 *   npm run bench:detect [-- --detector context-novelty|windowed-gaussian|null|perfect] [--round 12] [--json]
 *
 * --round N rounds each score to N significant digits before scoring; 12 reproduces how
 * NAB's published result files stored scores. --json prints one JSON line instead of the table.
 */
import { parseArgs } from 'node:util';
import { Benchmark, type ProfileResult } from './nab/benchmark.ts';
import { corpusPresent, NAB_DIR, readCorpus } from './nab/corpus.ts';
import { DEFAULT_DETECTOR, DETECTORS, roundScores } from './nab/detectors.ts';
import { readProfiles, type ProfileName } from './nab/profiles.ts';
import { NAB_DETECTOR_NAMES, publishedScores } from './nab/published.ts';

const { values: args } = parseArgs({
  options: {
    detector: { type: 'string', default: DEFAULT_DETECTOR },
    round: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const run = DETECTORS[args.detector];
if (!run) {
  console.error(`unknown detector ${args.detector}; known: ${Object.keys(DETECTORS).join(', ')}`);
  process.exit(2);
}
const digits = args.round === undefined ? undefined : Number(args.round);
if (digits !== undefined && !(Number.isInteger(digits) && digits >= 1 && digits <= 17)) {
  console.error(`--round takes a whole number of significant digits from 1 to 17, got ${args.round}`);
  process.exit(2);
}
if (!corpusPresent()) {
  console.error(`NAB data not found at ${NAB_DIR}`);
  process.exit(1);
}

const began = performance.now();
const corpus = readCorpus();
const benchmark = new Benchmark(corpus, readProfiles());
const detectBegan = performance.now();
let scores = corpus.series.map(run);
const detectSeconds = (performance.now() - detectBegan) / 1000;
if (digits !== undefined) scores = scores.map((s) => roundScores(s, digits));
const results = benchmark.evaluate(scores);
const seconds = (performance.now() - began) / 1000;
const readings = corpus.series.reduce((n, s) => n + s.values.length, 0);
const nabName = NAB_DETECTOR_NAMES[args.detector];
const published = nabName === undefined ? undefined : publishedScores(nabName);
const byProfile = <T>(f: (r: ProfileResult) => T) => Object.fromEntries(results.map((r) => [r.profile, f(r)])) as Record<ProfileName, T>;
const round = (x: number, places: number) => Number(x.toFixed(places));

if (args.json) {
  console.log(JSON.stringify({
    detector: args.detector,
    ...byProfile((r) => round(r.score, 4)),
    thresholds: byProfile((r) => r.threshold),
    raw: byProfile((r) => round(r.outcome.score, 6)),
    windowsFound: byProfile((r) => r.outcome.found),
    windows: corpus.windowCount,
    ...(digits === undefined ? {} : { roundedToDigits: digits }),
    ...(published ? { published: byProfile((r) => round(published[r.profile], 4)) } : {}),
    series: corpus.series.length,
    readings,
    seconds: round(seconds, 3),
    detectSeconds: round(detectSeconds, 3),
    readingsPerSecond: Math.round(readings / detectSeconds),
  }));
} else {
  const rounding = digits === undefined ? '' : `, scores rounded to ${digits} significant digits`;
  console.log(`NAB: ${args.detector} on ${corpus.series.length} series, ${readings.toLocaleString('en')} readings, ${corpus.windowCount} windows${rounding}`);
  const rows = results.map((r) => [
    r.profile,
    String(r.threshold),
    r.outcome.score.toFixed(3),
    r.nullRaw.toFixed(1),
    r.perfectRaw.toFixed(1),
    `${r.outcome.found}/${r.outcome.found + r.outcome.missed}`,
    String(r.outcome.fp),
    r.score.toFixed(2),
    published ? published[r.profile].toFixed(2) : '-',
  ]);
  const header = ['profile', 'threshold', 'raw', 'null', 'perfect', 'windows found', 'FP rows', 'score', 'NAB published'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  console.log(`detection ${detectSeconds.toFixed(2)} s (${Math.round(readings / detectSeconds).toLocaleString('en')} readings/s); all ${seconds.toFixed(2)} s`);
}
