import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Intake } from '../../src/components/ingest/intake.ts';
import { parseNdjson } from '../../src/components/ingest/parse.ts';
import { INGEST_BATCH_TYPE, QUEUES, type IngestBatch } from '../../src/core/messages.ts';
import { HttpProblem, type FieldError } from '../../src/platform/problem.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { componentEnv, seedSpacecraft, takeMessages } from '../support/components.ts';

let catalog: MissionCatalog;
let intake: Intake;
const env = componentEnv('orbit-intake-', async () => {
  catalog = new MissionCatalog(env.sql);
  intake = new Intake(catalog, env.engines.queue, { maxFutureMs: 60_000 });
  await seedSpacecraft(catalog, 'probe-1', { temp: { type: 'number', calibration: { polynomial: [0, 2] } }, mode: { type: 'string' } });
  await seedSpacecraft(catalog, 'rover-1', { temp: { type: 'number' } }, { autoRegisterChannels: true });
});

const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

/** Parses NDJSON as the route does and hands it to the intake. */
function accept(text: string, options: Parameters<Intake['accept']>[2] = {}) {
  const errors: FieldError[] = [];
  return intake.accept(parseNdjson(text, 100, errors), errors, options);
}

async function rejection(promise: Promise<unknown>): Promise<HttpProblem> {
  const error = await promise.then(() => assert.fail('the batch was accepted'), (e: unknown) => e);
  assert.ok(error instanceof HttpProblem, String(error));
  assert.equal(error.status, 400);
  return error;
}

test('a good batch is one message on the ingest queue holding every reading calibrated, grouped by spacecraft with its channels', async () => {
  let enqueuedSeconds = -1;
  const accepted = await accept(ndjson(
    { spacecraft: 'probe-1', channel: 'temp', time: 1000, value: 20.5 },
    { spacecraft: 'rover-1', channel: 'temp', time: 1000, value: -3 },
    { spacecraft: 'probe-1', channel: 'mode', time: '1970-01-01T00:00:02.000Z', value: 'safe' },
  ), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', onEnqueued: (s) => (enqueuedSeconds = s) });
  assert.equal(accepted.accepted, 3);
  assert.ok(enqueuedSeconds >= 0, 'onEnqueued is told how long publishing took');

  const [message, ...more] = await takeMessages<IngestBatch>(env.engines.queue, QUEUES.ingest, 1);
  assert.deepEqual(more, []);
  assert.equal(message!.id, accepted.batchId);
  assert.equal(message!.body.batchId, accepted.batchId);
  assert.deepEqual(message!.body.items, [
    {
      spacecraft: 'probe-1',
      channels: [{ name: 'temp', type: 'number', revision: 1 }, { name: 'mode', type: 'string', revision: 1 }],
      readings: [{ channel: 'temp', time: 1000, value: 41, raw: 20.5 }, { channel: 'mode', time: 2000, value: 'safe' }],
    },
    { spacecraft: 'rover-1', channels: [{ name: 'temp', type: 'number', revision: 1 }], readings: [{ channel: 'temp', time: 1000, value: -3 }] },
  ]);
  assert.equal(message!.headers.ce_type, INGEST_BATCH_TYPE);
  assert.equal(INGEST_BATCH_TYPE, 'orbit.telemetry.batch.v2');
  assert.equal(message!.headers.ce_id, accepted.batchId);
  assert.equal(message!.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
});

test('a batch with any bad reading is rejected whole, naming every bad field, and nothing is queued', async () => {
  let rejected = -1;
  const problem = await rejection(accept(ndjson(
    { spacecraft: 'probe-1', channel: 'temp', time: 1000, value: 20 },
    'not json',
    { spacecraft: 'probe-1', channel: 'temp', time: 2000, value: 'warm' },
    { spacecraft: 'probe-1', channel: 'pressure', time: 3000, value: 1 },
    { spacecraft: 'ghost-9', channel: 'temp', time: 4000, value: 1 },
  ), { onRejected: (n) => (rejected = n) }));
  assert.deepEqual(problem.errors?.map((e) => e.pointer).sort(), ['/1', '/2/value', '/3/channel', '/4/spacecraft']);
  assert.match(problem.message, /^4 problem\(s\) in the batch; nothing was stored$/);
  assert.equal(rejected, 4, 'onRejected learns how many parsed readings were turned away');
  assert.equal((await env.engines.queue.depth(QUEUES.ingest)).ready, 0);
});

test('channels new to an auto-registering mission are created with the type of their values', async () => {
  await accept(ndjson(
    { spacecraft: 'rover-1', channel: 'wheel.speed', time: 1000, value: 0.4 },
    { spacecraft: 'rover-1', channel: 'arm.stowed', time: 1000, value: true },
    { spacecraft: 'rover-1', channel: 'arm.stowed', time: 2000, value: false },
  ));
  const channels = await catalog.listChannels('rover-1');
  assert.deepEqual(channels.map((c) => [c.name, c.type]), [['arm.stowed', 'boolean'], ['temp', 'number'], ['wheel.speed', 'number']]);
  const [message] = await takeMessages<IngestBatch>(env.engines.queue, QUEUES.ingest, 1);
  assert.equal(message!.body.items[0]!.readings.length, 3, 'the readings of the channels just registered travel too');
  assert.deepEqual(message!.body.items[0]!.channels, [{ name: 'wheel.speed', type: 'number', revision: 1 }, { name: 'arm.stowed', type: 'boolean', revision: 1 }]);
});

test('a rejected batch registers none of its new channels', async () => {
  await rejection(accept(ndjson(
    { spacecraft: 'rover-1', channel: 'camera.on', time: 1000, value: true },
    { spacecraft: 'rover-1', channel: 'temp', time: 1000, value: 'hot' },
  )));
  assert.equal((await catalog.listChannels('rover-1')).some((c) => c.name === 'camera.on'), false);
  assert.equal((await env.engines.queue.depth(QUEUES.ingest)).ready, 0);
});

test('a mission that does not auto-register keeps its channels as defined', async () => {
  const problem = await rejection(accept(ndjson({ spacecraft: 'probe-1', channel: 'heater', time: 1000, value: true })));
  assert.deepEqual(problem.errors, [{ pointer: '/0/channel', detail: 'unknown channel "heater" of spacecraft "probe-1"' }]);
  assert.deepEqual((await catalog.listChannels('probe-1')).map((c) => c.name), ['mode', 'temp']);
});

test('a changed definition reaches the next batch: its calibration applied, its new revision named', async () => {
  await catalog.putChannel('probe-1', 'temp', { type: 'number', calibration: { polynomial: [0, 3] } });
  await accept(ndjson({ spacecraft: 'probe-1', channel: 'temp', time: 5000, value: 10 }));
  const [message] = await takeMessages<IngestBatch>(env.engines.queue, QUEUES.ingest, 1);
  assert.deepEqual(message!.body.items[0], {
    spacecraft: 'probe-1', channels: [{ name: 'temp', type: 'number', revision: 2 }], readings: [{ channel: 'temp', time: 5000, value: 30, raw: 10 }],
  });
});

test('a reading past the allowed clock skew, or repeating a channel and time of the batch, refuses the whole batch', async () => {
  const queued = async () => (await env.engines.queue.depth(QUEUES.ingest)).ready;
  const before = await queued();
  const now = Date.now();
  const future = await rejection(accept(ndjson(
    { spacecraft: 'probe-1', channel: 'temp', time: now + 30_000, value: 1 },
    { spacecraft: 'probe-1', channel: 'temp', time: now + 3_600_000, value: 2 },
  )));
  assert.deepEqual(future.errors?.map((e) => e.pointer), ['/1/time']);
  assert.match(future.errors![0]!.detail, /past the latest time accepted now/);
  const repeated = await rejection(accept(ndjson(
    { spacecraft: 'probe-1', channel: 'temp', time: 1000, value: 1 },
    { spacecraft: 'probe-1', channel: 'mode', time: 1000, value: 'safe' },
    { spacecraft: 'rover-1', channel: 'temp', time: 1000, value: 1 },
    { spacecraft: 'probe-1', channel: 'temp', time: '1970-01-01T00:00:01.000Z', value: 2 },
  )));
  assert.deepEqual(repeated.errors?.map((e) => [e.pointer, e.detail]), [['/3/time', 'repeats the channel and time of /0']]);
  assert.equal(await queued(), before, 'nothing was enqueued');
});
