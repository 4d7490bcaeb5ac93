/**
 * The pipeline end to end, as a user sees it through the HTTP API: run against the
 * all-in-one process on embedded engines and against separate services on real engines.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, seedMission, type ApiResponse } from '../support/orbit.ts';
import { openStream, type SseClient } from '../support/sse.ts';
import { formatTle } from '../../src/core/orbit/tle.ts';
import { StreamAlert, StreamTelemetry } from '../../src/core/schemas.ts';
import { Value } from 'typebox/value';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';

/** One Orbit installation, whatever its shape, behind one URL. */
export interface Installation {
  url: string;
  api(pathname: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse>;
  stop(): Promise<unknown>;
}

export function pipelineScenarios(name: string, start: () => Promise<Installation>, more?: (installation: () => Installation) => void): void {
  describe(name, () => {
    let orbit: Installation;
    let stream: SseClient;

    before(async () => {
      orbit = await start();
      stream = await openStream(`${orbit.url}/v1/stream`);
    });
    after(async () => {
      stream?.close();
      await orbit?.stop();
    });

    test('a reading above red-high is stored, enriched, alerted and streamed within 5 s', async () => {
      await seedMission(orbit, 'probe-1', {
        'thermal.battery_temp': {
          type: 'number', unit: 'degC', calibration: { polynomial: [-50, 0.05] },
          limits: { redLow: -10, yellowLow: 0, yellowHigh: 40, redHigh: 50 }, staleAfterSeconds: 60,
        },
      });
      const t0 = Date.parse('2026-11-27T10:00:00Z');
      // Raw ADC counts; 2000 counts = 50 degC. The last is 2200 counts = 60 degC, past red-high.
      const raws = [1000, 1100, 1200, 1300, 2200];
      const res = await orbit.api('/v1/telemetry', {
        method: 'POST',
        json: { spacecraft: 'probe-1', readings: raws.map((value, i) => ({ channel: 'thermal.battery_temp', time: new Date(t0 + i * 1000).toISOString(), value })) },
      });
      assert.equal(res.status, 202);
      const accepted = await res.json();
      assert.equal(accepted.accepted, 5);
      assert.equal(typeof accepted.batchId, 'string');

      const q = `spacecraft=probe-1&channel=thermal.battery_temp&from=${t0}&to=${t0 + 60_000}`;
      const points = await eventually(async () => {
        const body = await (await orbit.api(`/v1/telemetry?${q}`)).json();
        return body.points.length === 5 ? body.points : undefined;
      }, 5000, 'points stored');
      assert.deepEqual(points.map((p: { value: number }) => p.value), [0, 5, 10, 15, 60], 'engineering values after calibration');
      assert.deepEqual(points.map((p: { raw: number }) => p.raw), raws);
      assert.equal(points[0].time, '2026-11-27T10:00:00.000Z');
      const csv = await (await orbit.api(`/v1/telemetry/export?${q}&format=csv`)).text();
      assert.deepEqual(csv.trimEnd().split('\n'), ['time,value,raw', ...points.map((p: { time: string; value: number; raw: number }) => `${p.time},${p.value},${p.raw}`)], 'the export holds what the history API shows');

      const doc = await eventually(async () => {
        const body = await (await orbit.api(`/v1/telemetry/enriched?${q}`)).json();
        return body.documents[0]?.count === 5 ? body.documents[0] : undefined;
      }, 5000, 'enriched document');
      assert.equal(doc.time, '2026-11-27T10:00:00.000Z', 'the minute bucket');
      assert.deepEqual({ min: doc.min, max: doc.max, mean: doc.mean, count: doc.count }, { min: 0, max: 60, mean: 18, count: 5 });
      assert.deepEqual(doc.window, { seconds: 60, min: 0, max: 60, mean: 18, count: 5 });
      assert.deepEqual(doc.last, { time: '2026-11-27T10:00:04.000Z', value: 60 });
      assert.equal(doc.ratePerSecond, 45, 'from 15 to 60 degC in one second');

      const alerts = await eventually(async () => {
        const list = await (await orbit.api('/v1/alerts?state=open&spacecraft=probe-1')).json();
        return list.length ? list : undefined;
      }, 5000, 'open alert');
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0].severity, 'critical');
      assert.equal(alerts[0].channel, 'thermal.battery_temp');
      assert.equal(alerts[0].rule, 'limit');
      assert.equal(alerts[0].value, 60);
      assert.equal(alerts[0].threshold, 50);

      const event = await stream.waitFor((e) => e.event === 'alert' && (e.data as { id: string }).id === alerts[0].id, 5000);
      assert.equal((event.data as { severity: string }).severity, 'critical');
      assert.ok(stream.events.some((e) => e.event === 'telemetry' && (e.data as { batchId: string }).batchId === accepted.batchId), 'processed readings were streamed');
      // Every event is what /openapi.json documents for it.
      const documented = { telemetry: StreamTelemetry, alert: StreamAlert } as const;
      for (const e of stream.events) {
        const schema = documented[e.event as keyof typeof documented];
        assert.ok(schema && Value.Check(schema, e.data), `${e.event} event as documented: ${[...Value.Errors(schema ?? StreamTelemetry, e.data)].map((x) => `${x.instancePath} ${x.message}`).join('; ')}`);
      }
    });

    test('an alert resolves by itself once the value is back within limits, and keeps its history', async () => {
      const t0 = Date.parse('2026-11-27T10:01:00Z');
      const [open] = await (await orbit.api('/v1/alerts?state=open&spacecraft=probe-1')).json();
      const ack = await orbit.api(`/v1/alerts/${open.id}/acknowledge`, { method: 'POST', json: { by: 'flight-director', comment: 'watching it' } });
      assert.equal(ack.status, 200);
      assert.equal((await ack.json()).state, 'acknowledged');
      // 1300 counts = 15 degC: normal.
      await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'probe-1', readings: [{ channel: 'thermal.battery_temp', time: t0, value: 1300 }] } });
      const resolved = await eventually(async () => {
        const a = await (await orbit.api(`/v1/alerts/${open.id}`)).json();
        return a.state === 'resolved' ? a : undefined;
      }, 5000, 'alert resolved');
      assert.deepEqual(resolved.history.map((h: { to: string }) => h.to), ['open', 'acknowledged', 'resolved']);
      assert.equal(resolved.history[1].by, 'flight-director');
      assert.equal((await (await orbit.api('/v1/alerts?state=open&spacecraft=probe-1')).json()).length, 0);
    });

    test('a channel that falls silent past staleAfterSeconds raises a stale alert, resolved when readings resume', async () => {
      await orbit.api('/v1/spacecraft/probe-1/channels/heartbeat', { method: 'PUT', json: { type: 'number', staleAfterSeconds: 1 } });
      const beat = () => orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'probe-1', readings: [{ channel: 'heartbeat', time: Date.now(), value: 1 }] } });
      assert.equal((await beat()).status, 202);
      const stale = await eventually(async () => {
        const list = await (await orbit.api('/v1/alerts?state=open&spacecraft=probe-1&channel=heartbeat')).json();
        return list[0];
      }, 5000, 'stale alert');
      assert.equal(stale.rule, 'stale');
      assert.equal(stale.severity, 'warning');
      assert.equal(stale.threshold, 1);
      assert.equal((await beat()).status, 202);
      await eventually(async () => ((await (await orbit.api(`/v1/alerts/${stale.id}`)).json()).state === 'resolved' ? true : undefined), 5000, 'stale alert resolved');
    });

    test('string and boolean channels keep their types end to end', async () => {
      await orbit.api('/v1/spacecraft/probe-1/channels/mode', { method: 'PUT', json: { type: 'string' } });
      await orbit.api('/v1/spacecraft/probe-1/channels/eclipse', { method: 'PUT', json: { type: 'boolean' } });
      const t0 = Date.parse('2026-11-27T10:02:00Z');
      const res = await orbit.api('/v1/telemetry', {
        method: 'POST',
        json: { spacecraft: 'probe-1', readings: [{ channel: 'mode', time: t0, value: 'safe' }, { channel: 'eclipse', time: t0, value: false }, { channel: 'eclipse', time: t0 + 1, value: true }] },
      });
      assert.equal(res.status, 202, await res.text());
      const range = `from=${t0}&to=${t0 + 1000}`;
      const eclipse = await eventually(async () => {
        const body = await (await orbit.api(`/v1/telemetry?spacecraft=probe-1&channel=eclipse&${range}`)).json();
        return body.points.length === 2 ? body.points : undefined;
      }, 5000, 'boolean points');
      assert.deepEqual(eclipse.map((p: { value: boolean }) => p.value), [false, true]);
      const mode = await (await orbit.api(`/v1/telemetry?spacecraft=probe-1&channel=mode&${range}`)).json();
      assert.deepEqual(mode.points, [{ time: new Date(t0).toISOString(), value: 'safe', raw: 'safe' }]);
    });

    test('a derived channel is computed as its inputs arrive, stored, and raises an alert when it crosses its limit', async () => {
      await seedMission(orbit, 'derived-1', {
        'vel.x': { type: 'number', unit: 'km/s' },
        'vel.y': { type: 'number', unit: 'km/s' },
        'vel.z': { type: 'number', unit: 'km/s' },
        speed: { type: 'number', unit: 'km/s', expression: 'sqrt(vel.x^2 + vel.y^2 + vel.z^2)', limits: { redHigh: 8 } },
      });
      const bad = await orbit.api('/v1/spacecraft/derived-1/channels/loop', { method: 'PUT', json: { type: 'number', expression: 'speed + sqrt(' } });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).errors[0].pointer, '/expression');
      const sent = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'derived-1', readings: [{ channel: 'speed', time: Date.now(), value: 1 }] } });
      assert.equal(sent.status, 400, 'readings of a derived channel are computed, not sent');

      const t0 = Date.parse('2026-11-27T11:00:00Z');
      const sample = (i: number, [x, y, z]: number[]) => [{ channel: 'vel.x', time: t0 + i * 1000, value: x }, { channel: 'vel.y', time: t0 + i * 1000, value: y }, { channel: 'vel.z', time: t0 + i * 1000, value: z }];
      // The last time lacks vel.z: no speed then.
      const readings = [...sample(0, [3, 4, 0]), ...sample(1, [6, 6, 2]), { channel: 'vel.x', time: t0 + 2000, value: 1 }, { channel: 'vel.y', time: t0 + 2000, value: 1 }];
      const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'derived-1', readings } });
      assert.equal(res.status, 202, await res.text());
      const speed = await eventually(async () => {
        const body = await (await orbit.api(`/v1/telemetry?spacecraft=derived-1&channel=speed&from=${t0}&to=${t0 + 10_000}`)).json();
        return body.points.length === 2 ? body.points : undefined;
      }, 5000, 'derived readings stored');
      assert.deepEqual(speed.map((p: { value: number }) => p.value), [5, Math.sqrt(76)]);
      const [alert] = await eventually(async () => {
        const open = await (await orbit.api('/v1/alerts?spacecraft=derived-1&channel=speed')).json();
        return open.length ? open : undefined;
      }, 5000, 'alert on the derived channel');
      assert.deepEqual([alert.rule, alert.severity, alert.value], ['limit', 'critical', Math.sqrt(76)]);
    });

    test('aggregates readings into buckets', async () => {
      const t0 = Date.parse('2026-11-27T10:00:00Z');
      const body = await (await orbit.api(`/v1/telemetry/aggregate?spacecraft=probe-1&channel=thermal.battery_temp&from=${t0}&to=${t0 + 120_000}&step=60`)).json();
      assert.deepEqual(body.buckets, [
        { time: '2026-11-27T10:00:00.000Z', min: 0, max: 60, avg: 18, count: 5 },
        { time: '2026-11-27T10:01:00.000Z', min: 15, max: 15, avg: 15, count: 1 },
      ]);
    });

    test('an orbit.propagate job runs SGP4 from the spacecraft TLE and reports progress and result', async () => {
      const epoch = new Date('2026-11-27T00:00:00Z');
      const tle = formatTle({ satnum: 90001, epoch, inclinationDeg: 51.64, raanDeg: 120, eccentricity: 0.0005, argPerigeeDeg: 90, meanAnomalyDeg: 10, meanMotionRevPerDay: 15.5, bstar: 0.0001 });
      const created = await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'iss-like', missionId: 'm-probe-1', name: 'ISS-like', tle } });
      assert.equal(created.status, 201, await created.text());
      const res = await orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.propagate', params: { spacecraft: 'iss-like', from: '2026-11-27T01:00:00Z', to: '2026-11-27T02:00:00Z', stepSeconds: 60 } } });
      assert.equal(res.status, 202);
      const { id } = await res.json();
      const job = await eventually(async () => {
        const j = await (await orbit.api(`/v1/jobs/${id}`)).json();
        return j.state === 'succeeded' || j.state === 'failed' ? j : undefined;
      }, 10_000, 'job finished');
      assert.equal(job.state, 'succeeded', job.error);
      assert.equal(job.progress, 1);
      assert.deepEqual(job.result, { frame: 'TEME', rows: 61 });
      const { rows: samples } = await (await orbit.api(`/v1/jobs/${id}/result`)).json();
      assert.equal(samples.length, 61);
      const last = samples[60];
      const expected = createPropagator(tle[0], tle[1])(new Date('2026-11-27T02:00:00Z'));
      assert.equal(last.time, '2026-11-27T02:00:00.000Z');
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(last.positionKm[i] - expected.positionKm[i]) < 1e-6);
      assert.ok(last.altitudeKm > 300 && last.altitudeKm < 500, `altitude ${last.altitudeKm} km`);
      assert.ok(Math.abs(last.latitudeDeg) <= 51.7);

      const unknown = await orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.warp', params: {} } });
      assert.equal(unknown.status, 400);
      assert.equal((await orbit.api('/v1/jobs/no-such-job')).status, 404);
    });

    more?.(() => orbit);
  });
}
