/**
 * orbit.conjunctions over real HTTP on an all-in-one Orbit: a mission's spacecraft on
 * mirrored orbits that meet twice an orbit, screened by the job and read back in pages,
 * the same answer as the library gives on this thread; an uploaded list with a broken set;
 * and the submissions refused before any work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTle } from '../../src/core/orbit/tle.ts';
import { screenConjunctions } from '../../src/core/orbit/conjunctions/screen.ts';
import { eventually, expectJson, type OrbitChild, startOrbit, tempDir } from '../support/orbit.ts';

let orbit: OrbitChild;
let data: { dir: string; remove(): Promise<void> };

const epoch = new Date('2026-11-27T00:00:00Z');
const elements = { epoch, raanDeg: 0, eccentricity: 0.001, argPerigeeDeg: 30, meanAnomalyDeg: 10, meanMotionRevPerDay: 15.2, bstar: 0 };
// B is A mirrored through the x-z plane: they meet (miss distance 0) twice an orbit.
const a = formatTle({ satnum: 91001, inclinationDeg: 50, ...elements });
const b = formatTle({ satnum: 91002, inclinationDeg: 130, ...elements });
const c = formatTle({ satnum: 91003, inclinationDeg: 50, ...elements, raanDeg: 90 });
const from = '2026-11-27T00:30:00.000Z';
const to = '2026-11-27T04:00:00.000Z';

before(async () => {
  data = await tempDir();
  orbit = await startOrbit({ dataDir: data.dir });
  await expectJson(orbit.api('/v1/missions', { method: 'POST', json: { id: 'm-pair', name: 'Mirrored pair' } }), 201);
  for (const [id, tle] of [['sat-a', a], ['sat-b', b], ['sat-c', c]] as const) {
    await expectJson(orbit.api('/v1/spacecraft', { method: 'POST', json: { id, missionId: 'm-pair', name: id, tle } }), 201);
  }
  await expectJson(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'no-tle', missionId: 'm-pair', name: 'no TLE' } }), 201);
});
after(async () => {
  await orbit?.stop();
  await data?.remove();
});


const submit = (params: unknown) => expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params } }), 202).then((r) => r.id as string);
const finished = (id: string) =>
  eventually(async () => {
    const j = await expectJson(orbit.api(`/v1/jobs/${id}`), 200);
    return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  }, 120_000, `job ${id} finished`);

test("a mission's spacecraft are screened on the workers: the conjunctions the library finds, read in pages", async () => {
  const id = await submit({ mission: 'm-pair', from, to, thresholdKm: 1 });
  const done = await finished(id);
  assert.equal(done.state, 'succeeded', done.error);
  assert.equal(done.progress, 1);
  assert.deepEqual(done.params.elementSets.map((s: { name: string }) => s.name), ['sat-a', 'sat-b', 'sat-c'], 'the spacecraft with a TLE, named by id');

  const expected = screenConjunctions(
    [{ name: 'sat-a', line1: a[0], line2: a[1] }, { name: 'sat-b', line1: b[0], line2: b[1] }, { name: 'sat-c', line1: c[0], line2: c[1] }],
    { fromMs: Date.parse(from), toMs: Date.parse(to), thresholdKm: 1 },
  ).conjunctions.map((x) => ({ ...x, tca: x.tca.toISOString() }));
  const ab = expected.filter((x) => x.primary.name === 'sat-a' && x.secondary.name === 'sat-b');
  assert.ok(ab.length >= 4, `A and B meet twice an orbit (${ab.length})`);

  assert.equal(done.result.rows, expected.length);
  assert.equal(done.result.objects, 3);
  assert.equal(done.result.screened, 3);
  assert.equal(done.result.failuresTotal, 0);
  const rows: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await expectJson(orbit.api(`/v1/jobs/${id}/result?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
    rows.push(...page.rows);
    cursor = page.next;
  } while (cursor);
  assert.deepEqual(rows, expected);
  for (const row of rows as { missDistanceKm: number; primary: { satnum: number } }[]) assert.ok(row.missDistanceKm < 1);

  // The console's job page counts the element sets rather than printing them.
  const page = await (await orbit.api(`/console/jobs/${id}`)).text();
  assert.match(page, /<dt>Element sets<\/dt><dd>3<\/dd>/);
  assert.match(page, /<dt>Threshold \(km\)<\/dt><dd>1<\/dd>/);
});

test('an uploaded list: a set that does not parse is reported in the summary and the rest screened', async () => {
  const id = await submit({
    elementSets: [
      { name: 'A', line1: a[0], line2: a[1] },
      { name: 'B', line1: b[0], line2: b[1] },
      { name: 'BROKEN', line1: a[0].slice(0, 30), line2: a[1] },
    ],
    from: Date.parse(from),
    to: Date.parse(from) + 3_600_000,
    thresholdKm: 0.5,
  });
  const done = await finished(id);
  assert.equal(done.state, 'succeeded', done.error);
  assert.equal(done.result.objects, 3);
  assert.equal(done.result.screened, 2);
  assert.equal(done.result.failuresTotal, 1);
  assert.equal(done.result.failures[0].name, 'BROKEN');
  assert.match(done.result.failures[0].reason, /invalid TLE/);
  assert.ok(done.result.rows >= 1, 'A and B still meet');
});

test('submissions that cannot be screened are refused naming the field', async () => {
  const both = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params: { mission: 'm-pair', elementSets: [{ line1: a[0], line2: a[1] }, { line1: b[0], line2: b[1] }], from, to, thresholdKm: 1 } } }), 400);
  assert.deepEqual(both.errors.map((e: { pointer: string }) => e.pointer), ['/params']);
  const backwards = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params: { mission: 'm-pair', from: to, to: from, thresholdKm: 1 } } }), 400);
  assert.deepEqual(backwards.errors.map((e: { pointer: string }) => e.pointer), ['/params/to']);
  const tooLong = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params: { mission: 'm-pair', from, to: '2026-12-27T00:00:00Z', thresholdKm: 1 } } }), 400);
  assert.match(tooLong.errors[0].detail, /at most 7 days/);
  const threshold = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params: { mission: 'm-pair', from, to, thresholdKm: 0 } } }), 400);
  assert.ok(threshold.errors.some((e: { pointer: string }) => e.pointer === '/params/thresholdKm'));
  await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.conjunctions', params: { mission: 'm-nowhere', from, to, thresholdKm: 1 } } }), 404);
});
