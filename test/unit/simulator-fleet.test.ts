import { test } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFleet, pickFromCatalog, spacecraftModel, syntheticOrbits } from '../../src/components/simulator/fleet.ts';
import { formatTle, parseTle, splitTleText, validateTle, type TleElements } from '../../src/core/orbit/tle.ts';
import { loadConfig } from '../../src/platform/config.ts';

const EPOCH = new Date('2025-09-01T12:00:00Z');
const FULL_CATALOGUE = path.resolve(import.meta.dirname, '../../../shared/data/tle/catalog-2022-08.tle');
const OLD_EPOCH = new Date('2022-08-09T07:38:25Z');

/** A made-up catalogue entry; `overrides` turns it into an orbit the fleet should not fly. */
function entry(satnum: number, overrides: Partial<TleElements> = {}): [string, string] {
  return formatTle({
    satnum,
    epoch: OLD_EPOCH,
    inclinationDeg: 40 + (satnum % 50),
    raanDeg: (satnum * 37) % 360,
    eccentricity: 0.0012,
    argPerigeeDeg: 80,
    meanAnomalyDeg: 200,
    meanMotionRevPerDay: 15.2,
    bstar: 0.0001,
    ...overrides,
  });
}

function catalogue(): string {
  const sets = [
    entry(25544),
    entry(10001, { meanMotionRevPerDay: 1.0027 }), // geostationary
    entry(10002, { eccentricity: 0.7, meanMotionRevPerDay: 2.006 }), // Molniya
    entry(10003, { bstar: 0.004 }), // about to re-enter
    entry(30001),
    entry(40001),
    entry(10004, { meanMotionRevPerDay: 16.2 }), // too low
    entry(50001),
  ];
  // As catalogue files come: a byte-order mark and CRLF line ends.
  return '\uFEFF' + sets.flat().join('\r\n') + '\r\n';
}

test('picks suitable low-Earth orbits from a catalogue, spread by catalogue number, re-declared at the start time', () => {
  const picked = pickFromCatalog(catalogue(), 3, EPOCH);
  assert.deepEqual(picked.map((p) => p.satnum), [25544, 40001, 50001]);
  for (const { tle, satnum } of picked) {
    assert.deepEqual(validateTle(...tle), []);
    const elements = parseTle(...tle);
    assert.equal(elements.epoch.getTime(), EPOCH.getTime());
    // Only the epoch moves: the orbit keeps its catalogue shape.
    const original = parseTle(...entry(satnum));
    assert.equal(elements.inclinationDeg, original.inclinationDeg);
    assert.equal(elements.meanMotionRevPerDay, original.meanMotionRevPerDay);
    assert.equal(elements.raanDeg, original.raanDeg);
  }
  assert.deepEqual(pickFromCatalog(catalogue(), 3, EPOCH), picked, 'the same catalogue gives the same fleet');
  assert.deepEqual(pickFromCatalog(catalogue(), 5, EPOCH), [], 'not enough suitable orbits');
});

test('the fleet flies catalogue orbits when the file is there and synthetic ones otherwise', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'orbit-fleet-'));
  try {
    const file = path.join(dir, 'catalog.tle');
    await writeFile(file, catalogue());
    const fromCatalog = await loadFleet({ count: 2, tleFile: file, epoch: EPOCH });
    assert.equal(fromCatalog.source, 'catalog');
    assert.deepEqual(fromCatalog.members.map((m) => m.id), ['sim-1', 'sim-2']);
    assert.deepEqual(fromCatalog.members.map((m) => m.origin), ['catalog 30001', 'catalog 50001']);

    const missing = await loadFleet({ count: 3, tleFile: path.join(dir, 'nope.tle'), epoch: EPOCH });
    assert.equal(missing.source, 'synthetic');
    assert.match(missing.reason!, /ENOENT/);
    assert.equal(missing.members.length, 3);

    const tooSmall = await loadFleet({ count: 6, tleFile: file, epoch: EPOCH });
    assert.equal(tooSmall.source, 'synthetic');
    assert.match(tooSmall.reason!, /fewer than 6/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('synthetic orbits are valid TLEs at the start time, at LEO heights and the usual inclinations', () => {
  const tles = syntheticOrbits(7, EPOCH);
  assert.equal(new Set(tles.map((t) => t[0].slice(2, 7))).size, 7, 'distinct catalogue numbers');
  const inclinations = tles.map((t) => parseTle(...t).inclinationDeg);
  assert.deepEqual(inclinations.slice(0, 3), [51.6, 97.8, 53]);
  for (const [i, tle] of tles.entries()) {
    assert.deepEqual(validateTle(...tle), []);
    assert.equal(parseTle(...tle).epoch.getTime(), EPOCH.getTime());
    const model = spacecraftModel({ id: `sim-${i + 1}`, name: 'x', tle, origin: 'synthetic' });
    for (const hours of [0, 6, 24 * 7]) {
      const altitude = model.propagate(new Date(EPOCH.getTime() + hours * 3600_000)).altitudeKm;
      assert.ok(altitude > 380 && altitude < 650, `sim-${i + 1} at ${altitude} km after ${hours} h`);
    }
    assert.ok(model.periodSeconds > 90 * 60 && model.periodSeconds < 97 * 60, `period ${model.periodSeconds} s`);
  }
});

test('a clone flies real orbits: the shipped TLE file gives catalogue orbits for the default fleet and the largest', async () => {
  const { sim } = loadConfig({});
  const text = await readFile(sim.tleFile, 'utf8');
  assert.match(text, /^# .*\n(# .*\n)*# Source: .*satellite\.js/m, 'the file names its source');
  const shipped = new Map(splitTleText(text).map((s) => [parseTle(s.line1, s.line2).satnum, s]));
  assert.equal(shipped.size, 100);
  for (const count of [sim.spacecraft, 1, 100]) {
    const fleet = await loadFleet({ count, tleFile: sim.tleFile, epoch: EPOCH });
    assert.equal(fleet.source, 'catalog', `${count} spacecraft: ${fleet.reason ?? ''}`);
    assert.equal(fleet.members.length, count);
    assert.equal(new Set(fleet.members.map((m) => m.origin)).size, count, 'distinct orbits');
    for (const member of fleet.members) {
      const satnum = Number(/^catalog (\d+)$/.exec(member.origin)?.[1]);
      const original = shipped.get(satnum);
      assert.ok(original, `${member.origin} is in the shipped file`);
      // The catalogue's orbit, re-declared now: line 2 unchanged, the epoch moved.
      assert.equal(member.tle[1], original.line2);
      assert.equal(parseTle(...member.tle).epoch.getTime(), EPOCH.getTime());
      const altitude = spacecraftModel(member).propagate(new Date(EPOCH.getTime() + 3600_000)).altitudeKm;
      assert.ok(altitude > 300 && altitude < 700, `${member.origin} at ${altitude} km`);
    }
  }
  assert.equal(loadConfig({}).sim.spacecraft, 3, 'the default fleet checked above is the documented one');
});

test('the shipped file holds what the simulator would pick from the full catalogue, when that is at hand', { skip: !existsSync(FULL_CATALOGUE) && `${FULL_CATALOGUE} is absent` }, async () => {
  const full = await readFile(FULL_CATALOGUE, 'utf8');
  const shipped = await readFile(loadConfig({}).sim.tleFile, 'utf8');
  assert.deepEqual(pickFromCatalog(shipped, 100, EPOCH), pickFromCatalog(full, 100, EPOCH));
});
