/**
 * The caps as a client meets them over HTTP, on one all-in-one Orbit with small limits:
 * each refusal is problem+json naming the field and the variable with its value, and
 * nothing of a refused request is stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOrbit, tempDir, type ApiResponse, type OrbitChild } from '../support/orbit.ts';

const ISS = ['1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992', '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442'];
const HOUR = 3_600_000;

describe('caps', () => {
  let orbit: OrbitChild;
  let data: Awaited<ReturnType<typeof tempDir>>;
  // Readings two and a half hours old, so that the newest is an hour past the oldest and all are in the past.
  const T = Date.now() - 2.5 * HOUR;

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({
      dataDir: data.dir,
      env: {
        ORBIT_MAX_SPACECRAFT: '2', ORBIT_MAX_CHANNELS_PER_SPACECRAFT: '3', ORBIT_COMPUTE_MAX_SAMPLES: '50',
        ORBIT_HISTORY_MAX_BUCKETS: '100', ORBIT_HISTORY_MAX_POINTS: '500', ORBIT_HISTORY_DEFAULT_HOURS: '1',
      },
    });
    const ok = async (res: Promise<ApiResponse>) => assert.ok((await res).status < 300);
    await ok(orbit.api('/v1/missions', { method: 'POST', json: { id: 'm1', name: 'One', autoRegisterChannels: true } }));
    await ok(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'sc-1', missionId: 'm1', name: 'One', tle: ISS } }));
    await ok(orbit.api('/v1/spacecraft/sc-1/channels/volts', { method: 'PUT', json: { type: 'number', unit: 'V' } }));
  });
  after(async () => {
    await orbit?.stop();
    await data?.remove();
  });

  const problem = async (res: ApiResponse, status: number, detail: RegExp) => {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = await res.json();
    assert.equal(body.status, status);
    assert.match(body.detail, detail);
    return body as { detail: string; errors?: { pointer: string; detail: string }[] };
  };
  const post = (readings: unknown[]) => orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'sc-1', readings } });

  test('a spacecraft past ORBIT_MAX_SPACECRAFT is 409, by POST and by a definition import', async () => {
    assert.equal((await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'sc-2', missionId: 'm1', name: 'Two' } })).status, 201);
    const refused = await problem(await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'sc-3', missionId: 'm1', name: 'Three' } }), 409, /the most ORBIT_MAX_SPACECRAFT allows is 2/);
    assert.deepEqual(refused.errors?.map((e) => e.pointer), ['/id']);
    const document = { version: 1, mission: { id: 'm2', name: 'Two' }, spacecraft: [{ id: 'sc-9', name: 'Nine', channels: [] }] };
    await problem(await orbit.api('/v1/missions/m2/definition', { method: 'PUT', json: document }), 409, /ORBIT_MAX_SPACECRAFT allows is 2/);
    assert.deepEqual((await (await orbit.api('/v1/spacecraft')).json()).map((s: { id: string }) => s.id), ['sc-1', 'sc-2']);
  });

  test('a batch that would auto-register channels past ORBIT_MAX_CHANNELS_PER_SPACECRAFT is refused whole, naming each', async () => {
    const refused = await problem(await post([
      { channel: 'volts', time: T, value: 1 },
      { channel: 'amps', time: T, value: 2 },
      { channel: 'temp', time: T, value: 3 },
      { channel: 'temp', time: T + 1000, value: 3 },
      { channel: 'mode', time: T, value: 'safe' },
    ]), 400, /nothing was stored/);
    assert.deepEqual(refused.errors?.map((e) => e.pointer), ['/readings/1/channel', '/readings/2/channel', '/readings/4/channel']);
    assert.match(refused.errors![0]!.detail, /would auto-register channel "amps", but spacecraft "sc-1" has 1 channels .* ORBIT_MAX_CHANNELS_PER_SPACECRAFT allows \(3\)/);
    assert.deepEqual((await (await orbit.api('/v1/spacecraft/sc-1/channels')).json()).map((c: { name: string }) => c.name), ['volts']);

    // Two new ones fit; then neither a third by ingest nor by definition does.
    assert.equal((await post([{ channel: 'amps', time: T, value: 2 }, { channel: 'temp', time: T, value: 3 }])).status, 202);
    await problem(await post([{ channel: 'mode', time: T, value: 'safe' }]), 400, /nothing was stored/);
    await problem(await orbit.api('/v1/spacecraft/sc-1/channels/mode', { method: 'PUT', json: { type: 'string' } }), 409, /ORBIT_MAX_CHANNELS_PER_SPACECRAFT allows is 3/);
    // Known channels still take readings.
    assert.equal((await post([{ channel: 'volts', time: T + 1000, value: 1 }])).status, 202);
    await eventually(async () => ((await (await orbit.api(`/v1/telemetry?spacecraft=sc-1&channel=volts&from=0`)).json()).points.length === 1 || undefined), 10_000, 'the good reading stored');
    assert.deepEqual((await (await orbit.api('/v1/spacecraft/sc-1/channels')).json()).map((c: { name: string }) => c.name), ['amps', 'temp', 'volts']);
  });

  test('a propagation of more than ORBIT_COMPUTE_MAX_SAMPLES samples is 400 naming stepSeconds and to, before any job exists', async () => {
    const params = { spacecraft: 'sc-1', from: '2019-06-05T12:00:00Z', to: '2019-06-05T12:10:00Z', stepSeconds: 1 };
    const refused = await problem(await orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.propagate', params } }), 400, /problem/);
    assert.deepEqual(refused.errors?.map((e) => e.pointer), ['/params/stepSeconds', '/params/to']);
    assert.match(refused.errors![0]!.detail, /601 samples .* at most 50 are allowed \(ORBIT_COMPUTE_MAX_SAMPLES\): use a step of at least 12\.245 s/);
    assert.equal((await orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.propagate', params: { ...params, stepSeconds: 15 } } })).status, 202);
  });

  test('history: an open range is the default window before the newest reading; limit and bucket counts are capped', async () => {
    const readings = [0, 1, 2].map((h) => ({ channel: 'temp', time: T + 1000 + h * HOUR * 0.75, value: h }));
    assert.equal((await post(readings)).status, 202);
    const all = `/v1/telemetry?spacecraft=sc-1&channel=temp&from=0`;
    await eventually(async () => ((await (await orbit.api(all)).json()).points.length === 4 || undefined), 10_000, 'stored');
    // One hour back from just after the newest (T + 1.5 h): the readings at T + 0.75 h and T + 1.5 h.
    const open = (await (await orbit.api('/v1/telemetry?spacecraft=sc-1&channel=temp')).json()).points.map((p: { value: number }) => p.value);
    assert.deepEqual(open, [1, 2]);
    const exported = await (await orbit.api('/v1/telemetry/export?spacecraft=sc-1&channel=temp&format=ndjson')).text();
    assert.equal(exported.trim().split('\n').length, 2);

    const limit = await problem(await orbit.api('/v1/telemetry?spacecraft=sc-1&channel=temp&limit=501'), 400, /querystring/);
    assert.deepEqual(limit.errors?.map((e) => e.pointer), ['querystring/limit']);

    const buckets = await problem(await orbit.api(`/v1/telemetry/aggregate?spacecraft=sc-1&channel=temp&from=${T}&to=${T + 2 * HOUR}&step=60`), 400, /spans 120 buckets of 60 s; at most 100 are allowed \(ORBIT_HISTORY_MAX_BUCKETS\)/);
    assert.deepEqual(buckets.errors?.map((e) => e.pointer), ['querystring/step']);
    assert.match(buckets.errors![0]!.detail, /use a step of at least 72 s/);
    // The default window (an hour) in minutes fits, and so does the whole archive in wide buckets.
    assert.equal((await orbit.api('/v1/telemetry/aggregate?spacecraft=sc-1&channel=temp&step=60')).status, 200);
    const wide = await (await orbit.api(`/v1/telemetry/aggregate?spacecraft=sc-1&channel=temp&from=${T - HOUR}&step=3600`)).json();
    assert.equal(wide.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0), 4);
  });
});
