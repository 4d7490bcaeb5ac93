import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TelemetryProcessor } from '../../src/components/processor/processor.ts';
import { INGEST_BATCH_TYPE, TOPICS, type CalibratedReading, type IngestBatch, type IngestItem, type ProcessedBatch } from '../../src/core/messages.ts';
import type { DeadLetter } from '../../src/engines/queue/port.ts';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';
import { cloudEventHeaders } from '../../src/platform/envelope.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { componentEnv, EventLogWithOutage, silentLogger, topicRecords } from '../support/components.ts';
import { until } from '../support/wait.ts';

let events: EventLogWithOutage;
const env = componentEnv('orbit-processor-', async () => {
  events = new EventLogWithOutage(env.engines.events);
});

const made: TelemetryProcessor[] = [];
// Work still held when a test fails would otherwise retry for ever once the engines are closed.
afterEach(() => {
  for (const p of made.splice(0)) p.stop();
});

function processor(onStored?: (readings: number) => void) {
  const p = new TelemetryProcessor({ telemetry: new TelemetryStore(env.sql), sql: env.sql, events, logger: silentLogger, onStored });
  made.push(p);
  return p;
}

const batch = (items: IngestItem[]): IngestBatch => ({ batchId: randomUUID(), receivedAt: 1_700_000_000_000, items });
/** One spacecraft's readings as ingest sends them: calibrated, with the channels they name (`mode` a string channel, the others numbers). */
const item = (spacecraft: string, readings: CalibratedReading[], revision = 1): IngestItem => ({
  spacecraft,
  channels: [...new Set(readings.map((r) => r.channel))].map((name) => ({ name, type: name === 'mode' ? 'string' : 'number', revision })),
  readings,
});

/** The readings of a batch as the archive answers them, by spacecraft and channel. */
async function storedRows(b: IngestBatch) {
  const telemetry = new TelemetryStore(env.sql);
  const out = [];
  const channels = [...new Set(b.items.flatMap((i) => i.readings.map((r) => `${i.spacecraft}|${r.channel}`)))].sort();
  for (const key of channels) {
    const [spacecraft, channel] = key.split('|') as [string, string];
    const times = b.items.flatMap((i) => (i.spacecraft === spacecraft ? i.readings.filter((r) => r.channel === channel).map((r) => r.time) : []));
    const type = channel === 'mode' ? 'string' : 'number';
    const { points } = await telemetry.points({ spacecraft, channel, from: Math.min(...times), to: Math.max(...times) + 1, limit: 1000 }, type);
    out.push(...points.map((p) => ({ spacecraft, channel, t: Date.parse(p.time), raw: p.raw, value: p.value })));
  }
  return out;
}

async function published(batchId: string) {
  return (await topicRecords<ProcessedBatch>(env.engines.events, TOPICS.processed)).filter((r) => r.value.batchId === batchId);
}

test('a batch is stored as ingest calibrated it, then published per spacecraft on telemetry.processed with its channels', async () => {
  let stored = 0;
  const b = batch([
    item('sat-1', [{ channel: 'temp', time: 1000, value: 60, raw: 200 }, { channel: 'mode', time: 1000, value: 'safe' }], 4),
    item('sat-2', [{ channel: 'volts', time: 1000, value: 28 }]),
  ]);
  await processor((n) => (stored += n)).process(b, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');

  assert.equal(stored, 3);
  assert.deepEqual(await storedRows(b), [
    { spacecraft: 'sat-1', channel: 'mode', t: 1000, raw: 'safe', value: 'safe' },
    { spacecraft: 'sat-1', channel: 'temp', t: 1000, raw: 200, value: 60 },
    { spacecraft: 'sat-2', channel: 'volts', t: 1000, raw: 28, value: 28 },
  ]);
  const records = await published(b.batchId);
  assert.deepEqual(records.map((r) => r.key).sort(), ['sat-1', 'sat-2']);
  const sat1 = records.find((r) => r.key === 'sat-1')!;
  assert.equal(sat1.value.receivedAt, b.receivedAt);
  assert.deepEqual(sat1.value.readings, [{ channel: 'temp', time: 1000, raw: 200, value: 60 }, { channel: 'mode', time: 1000, raw: 'safe', value: 'safe' }]);
  assert.deepEqual(sat1.value.channels, [{ name: 'temp', type: 'number', revision: 4 }, { name: 'mode', type: 'string', revision: 4 }], 'the analyzer learns which definitions ingest applied');
  assert.equal(sat1.headers.ce_type, 'orbit.telemetry.processed.v1');
  assert.equal(sat1.headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
});

test('a redelivered batch stores nothing again, even after its readings were replaced', async () => {
  const b = batch([item('sat-2', [{ channel: 'volts', time: 2000, value: 27 }, { channel: 'volts', time: 2001, value: 27.5 }])]);
  const p = processor();
  await p.process(b);
  const newer = batch([item('sat-2', [{ channel: 'volts', time: 2001, value: 30 }])]);
  await p.process(newer);
  await p.process(b);
  assert.deepEqual((await storedRows(b)).map((r) => r.value), [27, 30]);
  const { rows } = await env.sql.query<{ n: number }>(`SELECT sum(count)::int AS n FROM telemetry_segments WHERE spacecraft_id = 'sat-2' AND start_time >= to_timestamp(2) AND start_time < to_timestamp(3)`);
  assert.equal(rows[0]!.n, 3, 'the copy sent again added no segment');
});

test('a batch with a reading of a channel its message does not name fails whole: nothing stored, nothing published', async () => {
  const b = batch([
    item('sat-2', [{ channel: 'volts', time: 3000, value: 27 }]),
    { ...item('sat-1', [{ channel: 'temp', time: 3000, value: 1 }]), readings: [{ channel: 'pressure', time: 3000, value: 1 }] },
  ]);
  await assert.rejects(processor().process(b), /reading of channel "pressure" of spacecraft "sat-1" without its channel in the message/);
  assert.deepEqual(await storedRows(b), []);
  assert.deepEqual(await published(b.batchId), []);
});

test('while the event log is away the batch is held, not failed, and is published once it is back', async () => {
  const b = batch([item('sat-2', [{ channel: 'volts', time: 4000, value: 26 }])]);
  let settled = false;
  const processing = await events.whileAway(async () => {
    const attemptsBefore = events.publishes;
    const held = processor().process(b).finally(() => (settled = true));
    await until(() => assert.ok(events.publishes >= attemptsBefore + 2, 'the publish is tried again'), 15_000);
    assert.equal(settled, false, 'the caller has not been told to ack or nack');
    assert.equal((await storedRows(b)).length, 1, 'the readings are stored before they are published');
    return { held };
  });
  await processing.held;
  assert.equal((await published(b.batchId)).length, 1);
});

test('once stopping, held work fails with the outage so the batch stays on the queue', async () => {
  const b = batch([item('sat-2', [{ channel: 'volts', time: 5000, value: 25 }])]);
  const p = processor();
  await events.whileAway(async () => {
    const attemptsBefore = events.publishes;
    const processing = p.process(b);
    await until(() => assert.ok(events.publishes > attemptsBefore), 15_000);
    p.stop();
    await assert.rejects(processing, (error: unknown) => isUnavailable(error));
  });
  assert.deepEqual(await published(b.batchId), []);
});

test('a v1 batch left on the queue from before an upgrade is dead-lettered with the reason, and nothing of it is stored', async () => {
  const { queue } = env.engines;
  const name = 'telemetry.ingest.upgrade-test';
  await queue.assertQueue(name, { maxAttempts: 2, retryDelayMs: 10 });
  const v1 = { batchId: randomUUID(), receivedAt: 1_700_000_000_000, items: [{ spacecraft: 'sat-2', readings: [{ channel: 'volts', time: 6000, value: 24 }] }] };
  await queue.publish(name, v1, { id: v1.batchId, headers: cloudEventHeaders('orbit.telemetry.batch.v1', '/orbit/ingest', { id: v1.batchId }) });
  const v2 = batch([item('sat-2', [{ channel: 'volts', time: 6001, value: 23 }])]);
  await queue.publish(name, v2, { id: v2.batchId, headers: cloudEventHeaders(INGEST_BATCH_TYPE, '/orbit/ingest', { id: v2.batchId }) });

  const p = processor();
  const consumer = await queue.consume<IngestBatch>(name, (delivery) => p.take(delivery), { prefetch: 4 });
  try {
    let dead: DeadLetter<typeof v1> | undefined;
    await until(async () => {
      [dead] = await queue.deadLetters<typeof v1>(name);
      assert.ok(dead);
    }, 10_000);
    assert.equal(dead!.body.batchId, v1.batchId, 'the message is kept whole for an operator');
    assert.match(dead!.reason, /^orbit\.telemetry\.batch\.v1 message, published before an upgrade: this processor takes only orbit\.telemetry\.batch\.v2.*drain the ingest queue before upgrading/);
    await until(async () => assert.equal((await published(v2.batchId)).length, 1), 10_000);
    assert.deepEqual(await published(v1.batchId), []);
    const both = batch([item('sat-2', [{ channel: 'volts', time: 6000, value: 24 }, { channel: 'volts', time: 6001, value: 23 }])]);
    assert.deepEqual((await storedRows(both)).map((r) => r.t), [6001], 'only the v2 batch was stored');
  } finally {
    await consumer.close();
  }
});
