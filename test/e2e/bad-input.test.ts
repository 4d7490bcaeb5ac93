import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { eventually, seedMission, startOrbit, tempDir, type ApiResponse, type OrbitChild } from '../support/orbit.ts';
import { openStream } from '../support/sse.ts';

/** Every schema object of an OpenAPI document (parameters, bodies, responses, components), with where it is. */
function schemasIn(document: { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, unknown> } }): { at: string; schema: object }[] {
  const found: { at: string; schema: object }[] = Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => ({ at: `#/components/schemas/${name}`, schema: schema as object }));
  const contents = (at: string, content: Record<string, { schema?: object }> | undefined) => {
    for (const [type, media] of Object.entries(content ?? {})) if (media.schema) found.push({ at: `${at} ${type}`, schema: media.schema });
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations) as [string, { parameters?: { name: string; schema?: object }[]; requestBody?: { content?: Record<string, { schema?: object }> }; responses?: Record<string, { content?: Record<string, { schema?: object }> }> }][]) {
      for (const p of op.parameters ?? []) if (p.schema) found.push({ at: `${method} ${path} parameter ${p.name}`, schema: p.schema });
      contents(`${method} ${path} body`, op.requestBody?.content);
      for (const [status, response] of Object.entries(op.responses ?? {})) contents(`${method} ${path} ${status}`, response.content);
    }
  }
  return found;
}

describe('bad input is refused with problem+json and nothing of the batch is stored', () => {
  let orbit: OrbitChild;
  let data: Awaited<ReturnType<typeof tempDir>>;
  const T0 = Date.parse('2026-11-27T12:00:00Z');

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_MAX_BODY_BYTES: '65536', ORBIT_MAX_BATCH_READINGS: '100' } });
    await seedMission(orbit, 'sat-b', { volts: { type: 'number', unit: 'V' }, mode: { type: 'string' }, eclipse: { type: 'boolean' } });
  });
  after(async () => {
    await orbit?.stop();
    await data?.remove();
  });

  const post = (body: string, contentType = 'application/json') => orbit.api('/v1/telemetry', { method: 'POST', body, headers: { 'content-type': contentType } });
  const problem = async (res: ApiResponse, status: number) => {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = await res.json();
    assert.equal(body.status, status);
    assert.ok(body.title && body.detail, 'title and detail');
    return body as { errors?: { pointer: string; detail: string }[] };
  };

  test('malformed JSON', async () => {
    const body = await problem(await post('{"spacecraft": "sat-b", "readings": [ {'), 400);
    assert.ok(body.errors?.length);
  });

  test('wrong types and unknown fields name each bad field', async () => {
    const body = await problem(await post(JSON.stringify({
      spacecraft: 'sat-b',
      readings: [
        { channel: 'volts', time: T0, value: 28 },
        { channel: 'volts', time: 'not a time', value: 28 },
        { channel: 'volts', time: T0 + 2, value: { nested: true } },
        { channel: 'volts', time: T0 + 3, value: 1, extra: 'x' },
      ],
    })), 400);
    const pointers = body.errors!.map((e) => e.pointer).sort();
    assert.deepEqual(pointers, ['/readings/1/time', '/readings/2/value', '/readings/3/extra']);
  });

  test('values of the wrong type for their channel, and unknown channels and spacecraft', async () => {
    const mixed = await problem(await post(JSON.stringify({
      spacecraft: 'sat-b',
      readings: [
        { channel: 'volts', time: T0 + 10, value: 28.1 },
        { channel: 'volts', time: T0 + 11, value: 'high' },
        { channel: 'eclipse', time: T0 + 12, value: 1 },
        { channel: 'nope', time: T0 + 13, value: 1 },
      ],
    })), 400);
    assert.deepEqual(mixed.errors!.map((e) => e.pointer), ['/readings/1/value', '/readings/2/value', '/readings/3/channel']);
    assert.match(mixed.errors![2]!.detail, /unknown channel "nope"/);

    const unknown = await problem(await post(JSON.stringify({ spacecraft: 'ghost', readings: [{ channel: 'volts', time: T0, value: 1 }] })), 400);
    assert.deepEqual(unknown.errors!.map((e) => e.pointer), ['/spacecraft']);
  });

  test('schema problems and mission-database problems are named together, and out-of-range times refused', async () => {
    const body = await problem(await post(JSON.stringify({
      spacecraft: 'sat-b',
      readings: [
        { channel: 'volts', time: 'soon', value: 1 },
        { channel: 'nope', time: T0 + 31, value: 1 },
        { channel: 'volts', time: 1e16, value: 1 },
        { channel: 'mode', time: T0 + 33, value: 3 },
      ],
    })), 400);
    assert.deepEqual(body.errors!.map((e) => e.pointer).sort(), ['/readings/0/time', '/readings/1/channel', '/readings/2/time', '/readings/3/value']);
  });

  test('a value whose calibration overflows is refused', async () => {
    await orbit.api('/v1/spacecraft/sat-b/channels/squared', { method: 'PUT', json: { type: 'number', calibration: { polynomial: [0, 0, 1] } } });
    const body = await problem(await post(JSON.stringify({ spacecraft: 'sat-b', readings: [{ channel: 'squared', time: T0 + 40, value: 1e200 }] })), 400);
    assert.deepEqual(body.errors!.map((e) => e.pointer), ['/readings/0/value']);
  });

  test('a body that is neither JSON nor NDJSON answers 415, and so does a POST with no body and no content type', async () => {
    await problem(await post('volts=1', 'text/plain'), 415);
    await problem(await orbit.api('/v1/telemetry', { method: 'POST' }), 415);
  });

  test('a method a path does not serve answers 405 naming those it does', async () => {
    const res = await orbit.api('/v1/telemetry', { method: 'DELETE' });
    await problem(res, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, POST');
  });

  test('the API document is valid OpenAPI 3.1, every schema in it valid JSON Schema 2020-12', async () => {
    const document = await (await orbit.api('/openapi.json')).json();
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
    assert.equal(document.openapi, '3.1.0');
    // The OpenAPI meta-schema leaves schema objects to their dialect: check each against it.
    const dialect = new Ajv2020({ strict: false, validateFormats: false });
    const invalid = schemasIn(document).filter(({ schema }) => !dialect.validateSchema(schema));
    assert.deepEqual(invalid.map((s) => s.at), [], 'schemas that are not JSON Schema 2020-12');
  });

  test('NDJSON lines are checked one by one', async () => {
    const lines = [
      { spacecraft: 'sat-b', channel: 'volts', time: T0 + 20, value: 27 },
      'not json',
      { spacecraft: 'sat-b', channel: 'volts', value: 27 },
      { spacecraft: 'sat-b', channel: 'mode', time: T0 + 23, value: 'safe' },
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    const body = await problem(await post(lines, 'application/x-ndjson'), 400);
    assert.deepEqual(body.errors!.map((e) => e.pointer), ['/1', '/2/time']);
  });

  test('too large a body or too many readings answers 413', async () => {
    const big = JSON.stringify({ spacecraft: 'sat-b', readings: [{ channel: 'mode', time: T0, value: 'x'.repeat(70_000) }] });
    await problem(await post(big), 413);
    const many = JSON.stringify({ spacecraft: 'sat-b', readings: Array.from({ length: 101 }, (_, i) => ({ channel: 'volts', time: T0 + 100 + i, value: i })) });
    await problem(await post(many), 413);
  });

  test('none of the refused readings were stored', async () => {
    // A good batch behind the bad ones: once it is stored, anything before it would be too.
    const good = await post(JSON.stringify({ spacecraft: 'sat-b', readings: [{ channel: 'volts', time: T0 + 500, value: 30 }] }));
    assert.equal(good.status, 202);
    const points = await eventually(async () => {
      const body = await (await orbit.api(`/v1/telemetry?spacecraft=sat-b&channel=volts&from=${T0 - 1}&to=${T0 + 1000}`)).json();
      return body.points.length ? body.points : undefined;
    }, 5000, 'good batch stored');
    assert.deepEqual(points, [{ time: new Date(T0 + 500).toISOString(), value: 30, raw: 30 }]);
    const modes = await (await orbit.api(`/v1/telemetry?spacecraft=sat-b&channel=mode&from=${T0 - 1}&to=${T0 + 1000}`)).json();
    assert.deepEqual(modes.points, []);
    const metrics = await (await orbit.api('/metrics')).text();
    assert.match(metrics, /^orbit_ingest_batches_total\{outcome="accepted"[^}]*\} 1$/m);
  });

  test('a batch repeated with its Idempotency-Key is answered as the first time and stored once; the key with another batch answers 422', async () => {
    const batch = JSON.stringify({ spacecraft: 'sat-b', readings: [{ channel: 'volts', time: T0 + 2000, value: 31 }] });
    const send = (body: string, key: string) => orbit.api('/v1/telemetry', { method: 'POST', body, headers: { 'content-type': 'application/json', 'idempotency-key': key } });
    const first = await send(batch, 'upload-7');
    assert.equal(first.status, 202);
    const firstBody = await first.json();
    const again = await send(batch, 'upload-7');
    assert.equal(again.status, 202);
    assert.deepEqual(await again.json(), firstBody, 'the same batch id: nothing was enqueued twice');
    await problem(await send(batch.replace('31', '32'), 'upload-7'), 422);
    await eventually(async () => (await (await orbit.api(`/v1/telemetry?spacecraft=sat-b&channel=volts&from=${T0 + 1999}&to=${T0 + 2001}`)).json()).points.length === 1 || undefined, 5000, 'stored');
    const metrics = await (await orbit.api('/metrics')).text();
    assert.match(metrics, /^orbit_ingest_batches_total\{outcome="accepted"[^}]*\} 2$/m, 'one more batch accepted, not two');
  });

  test('the mission API refuses bad definitions', async () => {
    const dup = await orbit.api('/v1/missions', { method: 'POST', json: { id: 'm-sat-b', name: 'again' } });
    await problem(dup, 409);
    const noMission = await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'x', missionId: 'nowhere', name: 'x' } });
    await problem(noMission, 404);
    const badTle = await orbit.api('/v1/spacecraft', {
      method: 'POST',
      json: { id: 'x', missionId: 'm-sat-b', name: 'x', tle: ['1 25544U 98067A   22222.50000000  .00016717  00000-0  10270-3 0  9990', '2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.50000000    10'] },
    });
    const tle = await problem(badTle, 400);
    assert.ok(tle.errors!.some((e) => /checksum/i.test(e.detail)), JSON.stringify(tle.errors));
    const limits = await orbit.api('/v1/spacecraft/sat-b/channels/volts', { method: 'PUT', json: { type: 'number', limits: { redLow: 10, yellowLow: 5 } } });
    assert.deepEqual((await problem(limits, 400)).errors!.map((e) => e.pointer), ['/limits/yellowLow']);
    const retype = await orbit.api('/v1/spacecraft/sat-b/channels/volts', { method: 'PUT', json: { type: 'string' } });
    assert.deepEqual((await problem(retype, 409)).errors!.map((e) => e.pointer), ['/type'], 'volts has stored readings');
  });
});

describe('overload answers 503 with Retry-After instead of falling over', () => {
  test('live-stream clients past ORBIT_STREAM_MAX_CLIENTS are refused until one leaves', async () => {
    const data = await tempDir();
    const orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_STREAM_MAX_CLIENTS: '2' } });
    try {
      const streams = [await openStream(`${orbit.url}/v1/stream`), await openStream(`${orbit.url}/v1/stream`)];
      const refused = await orbit.api('/v1/stream');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      streams.pop()!.close();
      const next = await eventually(async () => openStream(`${orbit.url}/v1/stream`).catch(() => undefined), 5000, 'a place freed');
      next.close();
      streams[0]!.close();
    } finally {
      await orbit.stop();
      await data.remove();
    }
  });

  test('batches beyond the in-flight limit are refused whole, the rest stored', async () => {
    const data = await tempDir();
    const orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_INGEST_MAX_INFLIGHT: '1' } });
    try {
      await seedMission(orbit, 'busy-1', { volts: { type: 'number' } });
      const T = Date.parse('2026-11-27T13:00:00Z');
      const responses = await Promise.all(Array.from({ length: 30 }, (_, b) =>
        orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'busy-1', readings: Array.from({ length: 500 }, (_, i) => ({ channel: 'volts', time: T + b * 1000 + i, value: i })) } })));
      const refused = responses.filter((r) => r.status === 503);
      const accepted = responses.filter((r) => r.status === 202);
      assert.equal(refused.length + accepted.length, 30);
      assert.ok(refused.length > 0, 'some batches were refused');
      assert.ok(accepted.length > 0, 'some batches were accepted');
      for (const r of refused) {
        assert.equal(r.headers.get('retry-after'), '1');
        assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
      }
      const stored = await eventually(async () => {
        const body = await (await orbit.api(`/v1/telemetry?spacecraft=busy-1&channel=volts&from=${T}&to=${T + 60_000}&limit=100000`)).json();
        return body.points.length === accepted.length * 500 ? body.points.length : undefined;
      }, 10_000, 'accepted batches stored');
      assert.equal(stored, accepted.length * 500);
    } finally {
      await orbit.stop();
      await data.remove();
    }
  });
});
