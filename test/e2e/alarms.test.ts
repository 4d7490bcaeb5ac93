/**
 * The alarm lifecycle through the HTTP API of the all-in-one process: shelving (nothing
 * raised while shelved, raised again when unshelved while still off, and by itself when
 * the time is up), debounce, limit sets chosen by a state channel, and anomaly alerts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, metric, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { openStream, type SseClient } from '../support/sse.ts';

let orbit: OrbitChild;
let stream: SseClient;
let removeData: () => Promise<void>;
const t0 = Date.parse('2026-12-01T10:00:00Z');
const limits = { yellowLow: 10, yellowHigh: 90, redHigh: 100 };

before(async () => {
  const data = await tempDir();
  removeData = data.remove;
  orbit = await startOrbit({ dataDir: data.dir });
  stream = await openStream(`${orbit.url}/v1/stream`);
});
after(async () => {
  stream?.close();
  await orbit?.stop();
  await removeData?.();
});

interface StreamedAlert { id: string; state: string; transition: { action: string; from: string | null; to: string; by?: string } }
const alertEvents = (id: string) => stream.events.filter((e) => e.event === 'alert' && (e.data as StreamedAlert).id === id).map((e) => e.data as StreamedAlert);

/** Posts readings of one spacecraft and waits until the analyzer has checked them. */
async function post(spacecraft: string, readings: { channel: string; time: number; value: number | string }[]): Promise<void> {
  const before = await metric(orbit.url, 'orbit_analyzer_readings_total');
  const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
  assert.equal(res.status, 202, await res.text());
  await eventually(async () => ((await metric(orbit.url, 'orbit_analyzer_readings_total')) >= before + readings.length ? true : undefined), 10_000, 'readings analyzed');
}
const temps = (values: number[], from = 0) => values.map((value, i) => ({ channel: 'temp', time: t0 + (from + i) * 1000, value }));
const alertsOf = async (spacecraft: string, state?: string) => (await orbit.api(`/v1/alerts?spacecraft=${spacecraft}${state ? `&state=${state}` : ''}`)).json();
const act = (id: string, verb: string, json: unknown) => orbit.api(`/v1/alerts/${id}/${verb}`, { method: 'POST', json });

test('a shelved alert raises nothing while shelved; unshelving raises it again while its value is still off', async () => {
  await seedMission(orbit, 'shelf-1', { temp: { type: 'number', unit: 'degC', limits } });
  await post('shelf-1', temps([95]));
  const [alert] = await eventually(async () => ((await alertsOf('shelf-1', 'open')).length ? alertsOf('shelf-1', 'open') : undefined), 10_000, 'open alert');
  const shelved = await act(alert.id, 'shelve', { by: 'flight-director', forSeconds: 3600, comment: 'known heater cycling' });
  const shelf = await shelved.json();
  assert.equal(shelved.status, 200, JSON.stringify(shelf));
  assert.deepEqual([shelf.state, shelf.shelvedBy], ['shelved', 'flight-director']);

  // Escalates, returns to normal and goes off again, all while shelved.
  await post('shelf-1', temps([120, 50, 96], 1));
  const history = (await (await orbit.api(`/v1/alerts/${alert.id}`)).json()).history;
  assert.deepEqual(history.map((h: { action: string; to: string }) => `${h.action}:${h.to}`), ['raise:open', 'shelve:shelved', 'severity:shelved', 'return:shelved', 'raise:shelved'], 'every change stored');
  // Events of one spacecraft keep their order: once this comment's event is streamed, any event the readings made would have been.
  assert.equal((await act(alert.id, 'comment', { by: 'flight-director', comment: 'still watching' })).status, 200);
  await stream.waitFor((e) => e.event === 'alert' && (e.data as StreamedAlert).transition.action === 'comment' && (e.data as StreamedAlert).id === alert.id, 10_000);
  assert.deepEqual(alertEvents(alert.id).map((e) => e.transition.action), ['raise', 'shelve', 'comment'], 'no raise or severity event while shelved');
  assert.deepEqual((await alertsOf('shelf-1')).length, 1, 'and no second alert');

  const unshelved = await act(alert.id, 'unshelve', { by: 'flight-director' });
  assert.equal(unshelved.status, 200);
  const body = await unshelved.json();
  assert.deepEqual([body.state, body.value, body.shelvedUntil], ['open', 96, undefined]);
  const event = await stream.waitFor((e) => e.event === 'alert' && (e.data as StreamedAlert).transition.action === 'unshelve' && (e.data as StreamedAlert).id === alert.id, 10_000);
  assert.deepEqual([(event.data as StreamedAlert).transition.from, (event.data as StreamedAlert).transition.to], ['shelved', 'open']);
});

test('a shelf whose time is up comes off by itself: raised again if still off', async () => {
  await seedMission(orbit, 'shelf-2', { temp: { type: 'number', limits } });
  await post('shelf-2', temps([95]));
  const [alert] = await eventually(async () => ((await alertsOf('shelf-2', 'open')).length ? alertsOf('shelf-2', 'open') : undefined), 10_000, 'open alert');
  // A duration, counted by the server from when it takes the request: a loaded machine cannot make it already over.
  assert.equal((await act(alert.id, 'shelve', { by: 'ops', forSeconds: 1 })).status, 200);
  const raised = await eventually(async () => {
    const a = await (await orbit.api(`/v1/alerts/${alert.id}`)).json();
    return a.state === 'open' ? a : undefined;
  }, 15_000, 'unshelved by the analyzer');
  assert.deepEqual(raised.history.at(-1), { ...raised.history.at(-1), action: 'unshelve', from: 'shelved', to: 'open', comment: 'shelve time ended' });
  await stream.waitFor((e) => e.event === 'alert' && (e.data as StreamedAlert).id === alert.id && (e.data as StreamedAlert).transition.action === 'unshelve', 10_000);
});

test('operator actions answer problem+json naming what is wrong', async () => {
  await seedMission(orbit, 'shelf-3', { temp: { type: 'number', limits } });
  await post('shelf-3', temps([95]));
  const [alert] = await eventually(async () => ((await alertsOf('shelf-3', 'open')).length ? alertsOf('shelf-3', 'open') : undefined), 10_000, 'open alert');
  const neither = await act(alert.id, 'shelve', { by: 'ops' });
  assert.equal(neither.status, 400);
  assert.equal(neither.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.deepEqual((await neither.json()).errors, [{ pointer: '', detail: 'give exactly one of until and forSeconds' }]);
  const past = await act(alert.id, 'shelve', { by: 'ops', until: '2020-01-01T00:00:00Z' });
  assert.equal((await past.json()).errors[0].pointer, '/until');
  const nobody = await act(alert.id, 'assign', { to: 'someone' });
  assert.equal(nobody.status, 400);
  assert.ok((await nobody.json()).errors.some((e: { pointer: string }) => e.pointer.includes('by')));
  assert.equal((await act(alert.id, 'assign', { by: 'lead', to: 'thermal' })).status, 200);
  assert.equal((await act(alert.id, 'clear', { by: 'lead', comment: 'reset' })).status, 200);
  const again = await act(alert.id, 'shelve', { by: 'ops', forSeconds: 60 });
  assert.equal(again.status, 409);
  assert.equal((await again.json()).detail, 'a resolved alert cannot be shelved');
  assert.equal((await act('no-such-alert', 'comment', { by: 'ops', comment: 'x' })).status, 404);

  const badSets = await orbit.api('/v1/spacecraft/shelf-3/channels/volts', { method: 'PUT', json: { type: 'number', limitSets: [{ when: { channel: 'mode', equals: 'safe' }, limits: { yellowHigh: 50, redHigh: 40 } }] } });
  assert.equal(badSets.status, 400);
  assert.deepEqual((await badSets.json()).errors, [{ pointer: '/limitSets/0/limits/redHigh', detail: 'must not be below yellowHigh (50)' }]);

  const spec = await (await orbit.api('/openapi.json')).json();
  for (const verb of ['acknowledge', 'shelve', 'unshelve', 'comment', 'assign', 'clear']) assert.ok(spec.paths[`/v1/alerts/{id}/${verb}`]?.post, verb);
});

test('debounce: the alert is raised only on the third consecutive reading past its limit', async () => {
  await seedMission(orbit, 'debounce-1', { temp: { type: 'number', limits, debounce: { samples: 3 } } });
  await post('debounce-1', temps([95, 96, 50, 95, 96]));
  assert.deepEqual(await alertsOf('debounce-1'), []);
  await post('debounce-1', temps([97], 5));
  const [alert] = await eventually(async () => ((await alertsOf('debounce-1')).length ? alertsOf('debounce-1') : undefined), 10_000, 'debounced alert');
  assert.deepEqual([alert.state, alert.value, alert.openedAt], ['open', 97, new Date(t0 + 5000).toISOString()]);
});

test('limit sets: other limits while the state channel says safe', async () => {
  await seedMission(orbit, 'modes-1', {
    mode: { type: 'string' },
    temp: { type: 'number', unit: 'degC', limits, limitSets: [{ when: { channel: 'mode', equals: 'safe' }, limits: { yellowHigh: 40, redHigh: 100 } }] },
  });
  await post('modes-1', [{ channel: 'mode', time: t0, value: 'nominal' }, ...temps([45], 1)]);
  assert.deepEqual(await alertsOf('modes-1'), [], '45 is within the nominal limits');
  await post('modes-1', [{ channel: 'mode', time: t0 + 2000, value: 'safe' }, ...temps([45], 3)]);
  const [alert] = await eventually(async () => ((await alertsOf('modes-1')).length ? alertsOf('modes-1') : undefined), 10_000, 'alert under the safe limits');
  assert.deepEqual([alert.threshold, alert.message], [40, 'temp = 45 degC is above its yellow limit 40 (while mode = safe)']);
  await post('modes-1', [{ channel: 'mode', time: t0 + 4000, value: 'nominal' }, ...temps([45], 5)]);
  await eventually(async () => ((await (await orbit.api(`/v1/alerts/${alert.id}`)).json()).state === 'resolved' ? true : undefined), 10_000, 'resolved under the nominal limits');
});

test('an anomaly alert from a channel with a detector, on a series with a spike', async () => {
  await seedMission(orbit, 'anomaly-1', { temp: { type: 'number', unit: 'degC', detector: { name: 'windowed-gaussian', sensitivity: 0.5 } } });
  await post('anomaly-1', temps(Array.from({ length: 300 }, (_, i) => 20 + 2 * Math.sin(i / 5))));
  assert.deepEqual(await alertsOf('anomaly-1'), [], 'nothing on the ordinary part');
  await post('anomaly-1', temps([87.3], 300));
  const [alert] = await eventually(async () => ((await alertsOf('anomaly-1')).length ? alertsOf('anomaly-1') : undefined), 10_000, 'anomaly alert');
  assert.deepEqual([alert.rule, alert.severity, alert.state, alert.value], ['anomaly', 'warning', 'open', 87.3]);
  assert.ok(alert.score >= alert.threshold && alert.score <= 1);
  assert.match(alert.message, /^temp = 87\.3 degC is outside the expected [\d.]+–[\d.]+ \(score 1\.000\)$/);
});
