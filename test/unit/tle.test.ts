import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatTle, parseTle, reEpochTle, splitTleText, tleChecksum, TleError, validateTle, type TleElements } from '../../src/core/orbit/tle.ts';
import { propagateMinutes } from '../../src/core/orbit/sgp4.ts';

const ISS1 = '1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992';
const ISS2 = '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442';
const CATALOGUE = path.resolve(import.meta.dirname, '../../../shared/data/tle/catalog-2022-08.tle');

/** Replaces columns [from, to] (1-based) and rewrites the checksum, so only the intended fault remains. */
function edit(line: string, from: number, text: string): string {
  const changed = line.slice(0, from - 1) + text + line.slice(from - 1 + text.length, 68);
  return changed + String(tleChecksum(changed));
}

test('the checksum is the digit sum mod 10 over columns 1-68, each minus sign counting 1', () => {
  assert.equal(tleChecksum(ISS1), 2);
  assert.equal(tleChecksum(ISS2), 2);
  assert.equal(tleChecksum('1-2-3'), 8);
  assert.equal(tleChecksum('ABC +.'), 0);
  // Column 69 holds the checksum itself and must not feed into it.
  assert.equal(tleChecksum(ISS1.slice(0, 68) + '7'), 2);
});

test('a valid set has no problems, and trailing whitespace or a carriage return is tolerated', () => {
  assert.deepEqual(validateTle(ISS1, ISS2), []);
  assert.deepEqual(validateTle(`${ISS1}\r`, `${ISS2}  `), []);
});

test('a corrupted checksum is reported with the expected and the found digit', () => {
  // Column 66 is in the element set number: the line stays well formed.
  const corrupted = ISS1.slice(0, 65) + '8' + ISS1.slice(66);
  assert.deepEqual(validateTle(corrupted, ISS2), [`line 1 checksum (column 69) is wrong: expected ${tleChecksum(corrupted)}, found 2`]);
  assert.deepEqual(validateTle(corrupted, ISS2, { checksums: false }), []);
});

test('validation names each structural fault', () => {
  assert.deepEqual(validateTle(ISS1.slice(0, 60), ISS2), ['line 1 is 60 characters long; a TLE line has 69']);
  assert.deepEqual(validateTle(ISS2, ISS1), [`line 1 must start with '1' (found "2")`, `line 2 must start with '2' (found "1")`]);
  assert.deepEqual(validateTle(ISS1, edit(ISS2, 3, '25545')), ['satellite numbers differ: line 1 has 25544, line 2 has 25545']);
  assert.deepEqual(validateTle(ISS1, edit(ISS2, 9, ' 51.6x33')), ['line 2 inclination (columns 9-16) " 51.6x33" is not a number']);
  assert.deepEqual(validateTle(ISS1, edit(ISS2, 9, '190.0000')), ['line 2 inclination (columns 9-16) "190.0000" must be between 0 and 180 degrees']);
  assert.deepEqual(validateTle(ISS1, edit(ISS2, 27, '.000821')), [
    'line 2 eccentricity (columns 27-33) ".000821" must be 7 digits after an implied decimal point (0 <= e < 1)',
  ]);
  assert.deepEqual(validateTle(edit(ISS1, 54, ' 59442x4'), ISS2), [`line 1 B* drag term (columns 54-61) " 59442x4" is not an exponent field like ' 12345-4'`]);
  assert.deepEqual(validateTle(edit(ISS1, 21, '400.00000000'), ISS2), ['line 1 epoch day (columns 21-32) "400.00000000" must be a day of the year from 1 to below 366']);
  assert.deepEqual(validateTle(ISS1, edit(ISS2, 53, ' 0.00000000')), ['line 2 mean motion (columns 53-63) " 0.00000000" must be greater than 0 revolutions per day']);
  // A field shifted by one column shows up at the separator it overwrites.
  const inserted = `${ISS1.slice(0, 17)} ${ISS1.slice(17, 67)}`;
  const shifted = inserted + String(tleChecksum(inserted));
  assert.ok(validateTle(shifted, ISS2).includes("line 1 column 33 must be a space (found '3'); the fields may be shifted"));
});

test('parseTle reads every element in its unit and rejects an invalid set with all its problems', () => {
  const e = parseTle(ISS1, ISS2);
  assert.equal(e.satnum, 25544);
  assert.equal(e.epoch.toISOString(), '2019-06-05T12:12:58.000Z');
  assert.equal(e.inclinationDeg, 51.6433);
  assert.equal(e.raanDeg, 59.2583);
  assert.equal(e.eccentricity, 0.0008217);
  assert.equal(e.argPerigeeDeg, 16.4489);
  assert.equal(e.meanAnomalyDeg, 347.6017);
  assert.equal(e.meanMotionRevPerDay, 15.51174618);
  assert.equal(e.bstar, 0.59442e-4);
  assert.equal(e.meanMotionDot, 0.00003075);
  assert.equal(e.internationalDesignator, '98067A');
  assert.equal(e.revolutionNumber, 17344);

  assert.throws(
    () => parseTle(ISS1.slice(0, 60), edit(ISS2, 9, '190.0000')),
    (error: unknown) => error instanceof TleError && error.problems.length === 2 && /60 characters/.test(error.message) && /inclination/.test(error.message),
  );
});

test('formatTle writes lines that validate and parse back to the same elements', () => {
  const elements: TleElements[] = [
    parseTle(ISS1, ISS2),
    {
      satnum: 99_001,
      epoch: new Date('2030-12-31T23:59:59.999Z'),
      inclinationDeg: 97.8,
      raanDeg: 359.99999,
      eccentricity: 0.72,
      argPerigeeDeg: -90,
      meanAnomalyDeg: 725,
      meanMotionRevPerDay: 2.00561234,
      bstar: -0.000123456,
      meanMotionDot: -0.00000123,
      meanMotionDdot: 0.000012345,
    },
    // Beyond 99999 the catalogue switches to Alpha-5: a letter (I and O skipped) for the leading digits, T = 27.
    { satnum: 270_042, epoch: new Date('2024-02-29T06:00:00Z'), inclinationDeg: 0, raanDeg: 0, eccentricity: 0, argPerigeeDeg: 0, meanAnomalyDeg: 0, meanMotionRevPerDay: 1.0027, bstar: 0 },
  ];
  for (const e of elements) {
    const [line1, line2] = formatTle(e);
    assert.equal(line1.length, 69);
    assert.equal(line2.length, 69);
    assert.deepEqual(validateTle(line1, line2), [], `${line1}\n${line2}`);
    const back = parseTle(line1, line2);
    assert.equal(back.satnum, e.satnum);
    assert.equal(back.epoch.getTime(), e.epoch.getTime());
    assert.equal(back.inclinationDeg, e.inclinationDeg);
    assert.ok(Math.abs(back.eccentricity - e.eccentricity) < 5e-8);
    assert.ok(Math.abs(back.meanMotionRevPerDay - e.meanMotionRevPerDay) < 5e-9);
    assert.ok(Math.abs(back.bstar - e.bstar) <= Math.abs(e.bstar) * 5e-5);
    for (const key of ['raanDeg', 'argPerigeeDeg', 'meanAnomalyDeg'] as const) {
      const difference = Math.abs((((back[key] - e[key]) % 360) + 540) % 360 - 180);
      assert.ok(difference < 5e-5, `${key} ${e[key]} came back as ${back[key]}`);
    }
    assert.deepEqual(formatTle(back), [line1, line2], 'formatting what was parsed gives the same lines');
  }
  assert.equal(formatTle(elements[2])[0].slice(2, 7), 'T0042');
  assert.equal(formatTle(elements[0])[0], ISS1);
});

test('formatTle refuses values the format cannot hold', () => {
  const base = parseTle(ISS1, ISS2);
  assert.throws(() => formatTle({ ...base, eccentricity: 1 }), /eccentricity/);
  assert.throws(() => formatTle({ ...base, inclinationDeg: 181 }), /inclination/);
  assert.throws(() => formatTle({ ...base, epoch: new Date('2060-01-01T00:00:00Z') }), /1957-2056/);
  assert.throws(() => formatTle({ ...base, meanMotionRevPerDay: 100 }), /mean motion/);
});

test('reEpochTle moves the epoch and keeps every orbital element', () => {
  const epoch = new Date('2026-03-01T10:20:30.456Z');
  const [line1, line2] = reEpochTle(ISS1, ISS2, epoch);
  assert.deepEqual(validateTle(line1, line2), []);
  assert.equal(line2, ISS2);
  assert.equal(line1.slice(18, 32), '26060.43090806');
  assert.equal(line1.slice(0, 18), ISS1.slice(0, 18));
  assert.equal(line1.slice(32, 68), ISS1.slice(32, 68));
  const before = parseTle(ISS1, ISS2);
  const after = parseTle(line1, line2);
  assert.equal(after.epoch.getTime(), epoch.getTime());
  assert.deepEqual({ ...after, epoch: before.epoch }, before);
  // Same mean elements: the orbit relative to its epoch is unchanged.
  assert.deepEqual(propagateMinutes(line1, line2, 90), propagateMinutes(ISS1, ISS2, 90));
});

test('splitTleText reads two- and three-line files with a byte-order mark and CRLF', () => {
  const text = `\uFEFFISS (ZARYA)\r\n${ISS1}\r\n${ISS2}\r\n${ISS1}\n${ISS2}\n`;
  assert.deepEqual(splitTleText(text), [
    { name: 'ISS (ZARYA)', line1: ISS1, line2: ISS2 },
    { line1: ISS1, line2: ISS2 },
  ]);
});

test('the 2022 catalogue validates, and each set survives a parse/format/parse round trip', (t) => {
  if (!existsSync(CATALOGUE)) {
    t.skip(`reference catalogue not found at ${CATALOGUE}`);
    return;
  }
  const sets = splitTleText(readFileSync(CATALOGUE, 'utf8'));
  assert.equal(sets.length, 25_975);
  const invalid = sets.filter((s) => validateTle(s.line1, s.line2).length > 0);
  t.diagnostic(`${sets.length - invalid.length} of ${sets.length} sets valid`);
  assert.deepEqual(invalid, []);
  for (const s of sets) {
    const parsed = parseTle(s.line1, s.line2);
    const again = parseTle(...formatTle(parsed));
    assert.deepEqual(again, parsed, s.line1);
  }
});
