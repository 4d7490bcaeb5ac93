/**
 * Writes src/components/simulator/fleet.tle, the element sets the simulated fleet flies:
 * the 100 (the largest fleet, ORBIT_SIMULATOR_SPACECRAFT) suitable low-Earth orbits the
 * simulator would spread its fleet across when given the whole public catalogue of August
 * 2022, so that a clone without ../shared flies real orbits. Run once, by hand:
 *
 *   node ops/simulator/fleet-tle.ts [catalogue]   # default ../shared/data/tle/catalog-2022-08.tle
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spreadEvenly, suitableOrbits } from '../../src/components/simulator/fleet.ts';
import { splitTleText } from '../../src/core/orbit/tle.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CATALOGUE = path.resolve(process.argv[2] ?? path.join(ROOT, '../shared/data/tle/catalog-2022-08.tle'));
const OUT = path.join(ROOT, 'src/components/simulator/fleet.tle');
const COUNT = 100;

const text = readFileSync(CATALOGUE, 'utf8');
const suitable = suitableOrbits(text);
const chosen = spreadEvenly(suitable, COUNT);
if (chosen.length !== COUNT) throw new Error(`${CATALOGUE} has ${suitable.length} suitable orbits; ${COUNT} are needed`);
const day = (d: Date): string => d.toISOString().slice(0, 10);
const epochs = chosen.map((c) => c.elements.epoch.getTime()).sort((a, b) => a - b);

const header = [
  '# The element sets the simulated fleet flies (src/components/simulator/fleet.ts):',
  `# ${COUNT} near-circular low-Earth orbits spread evenly by catalogue number through the`,
  `# ${suitable.length} suitable ones of a catalogue of ${splitTleText(text).length} two-line element sets.`,
  '# Source: that catalogue is test/propagation/tle.txt of the satellite.js repository (MIT',
  '# licence, Copyright (C) 2013 Shashwat Kandadai, UCSC Jack Baskin School of Engineering),',
  '# a snapshot of the public catalogue of August 2022 (most epochs 2022 day 221, 9 August);',
  '# that repository does not say where it took it from. Such catalogues are published by',
  '# Space-Track.org and CelesTrak; TLEs are public data.',
  `# Epochs: ${day(new Date(epochs[0]!))} to ${day(new Date(epochs.at(-1)!))}; the simulator re-declares them at its start time.`,
  '# Written by `node ops/simulator/fleet-tle.ts`; lines starting with # are comments.',
];
writeFileSync(OUT, [...header, ...chosen.flatMap((c) => [c.line1.trimEnd(), c.line2.trimEnd()]), ''].join('\n'));
console.error(`wrote ${COUNT} element sets of ${suitable.length} suitable to ${path.relative(process.cwd(), OUT)}`);
