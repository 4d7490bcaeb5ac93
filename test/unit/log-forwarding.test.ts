import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { BoundedQueue } from '../../src/platform/log-forwarding/queue.ts';
import { BatchForwarder, BatchRejectedError, type DropReason, type ForwarderEvents } from '../../src/platform/log-forwarding/forwarder.ts';
import { lokiBody, lokiEndpoint, lokiTimestamp, lokiTransport, type LokiEntry } from '../../src/platform/log-forwarding/loki.ts';
import { logstashAddress, logstashTransport } from '../../src/platform/log-forwarding/logstash.ts';
import { logstashLine } from '../../src/platform/log-forwarding/lines.ts';
import { startLogForwarding } from '../../src/platform/log-forwarding/index.ts';
import { createLogger, LogShipper } from '../../src/platform/logger.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { freePort } from '../support/net.ts';
import { jsonLinesReceiver } from '../support/json-lines-receiver.ts';
import { sleep, until } from '../support/wait.ts';

/** Counts of what a forwarder reported. */
function recorder() {
  const counts = { sent: 0, dropped: new Map<DropReason, number>(), changes: [] as boolean[] };
  const events: ForwarderEvents = {
    sent: (n) => void (counts.sent += n),
    dropped: (reason, n) => void counts.dropped.set(reason, (counts.dropped.get(reason) ?? 0) + n),
    availability: (available) => void counts.changes.push(available),
  };
  return { counts, events };
}

const FAST = { flushMs: 20, backoff: { initialMs: 20, maxMs: 200 } };

/** An HTTP server on `port` that records Loki pushes and answers with `status()`. */
async function lokiServer(port: number, status: () => number = () => 204) {
  const pushes: { url: string; headers: IncomingMessage['headers']; body: any }[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      pushes.push({ url: request.url ?? '', headers: request.headers, body: JSON.parse(text) });
      response.writeHead(status()).end(status() >= 400 ? 'bad batch' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const lines = () => pushes.flatMap((p) => p.body.streams.flatMap((s: any) => s.values.map((v: [string, string]) => v[1])));
  return { pushes, lines, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const entry = (i: number, level = 'info'): LokiEntry => ({ ns: lokiTimestamp(1_700_000_000_000 + i), level, line: JSON.stringify({ msg: `line ${i}`, level }) });

describe('bounded queue', () => {
  test('drops the oldest when full, takes in order, and requeues at the front', () => {
    const q = new BoundedQueue<number>(3);
    assert.equal(q.push(1) + q.push(2) + q.push(3), 0);
    assert.equal(q.push(4), 1, 'the fourth push drops one');
    assert.deepEqual(q.take(2), [2, 3]);
    assert.equal(q.requeue([2, 3]), 0);
    assert.deepEqual(q.take(10), [2, 3, 4]);
    q.push(5);
    q.push(6);
    assert.equal(q.requeue([1, 2, 3]), 2, 'only one of the requeued fits: the newest of them');
    assert.deepEqual(q.take(10), [3, 5, 6]);
  });
});

describe('batch forwarder', () => {
  test('sends full batches at once and the rest after the flush interval, in order', async () => {
    const batches: number[][] = [];
    const { counts, events } = recorder();
    const f = new BatchForwarder<number>({ batchSize: 10, flushMs: 200 }, events);
    f.start({ send: async (b) => void batches.push(b) });
    for (let i = 0; i < 25; i++) f.push(i);
    await until(() => assert.equal(counts.sent, 25), 10_000);
    assert.deepEqual(batches.flat(), [...Array(25).keys()]);
    assert.ok(batches.every((b) => b.length <= 10));
    assert.deepEqual(batches.slice(0, 2).map((b) => b.length), [10, 10]);
    await f.stop();
  });

  test('keeps at most maxBuffered entries, drops the oldest and counts them', async () => {
    const got: number[] = [];
    const { counts, events } = recorder();
    const f = new BatchForwarder<number>({ maxBuffered: 100, batchSize: 50, ...FAST }, events);
    for (let i = 0; i < 250; i++) f.push(i);
    assert.equal(f.buffered, 100);
    assert.equal(counts.dropped.get('overflow'), 150);
    f.start({ send: async (b) => void got.push(...b) });
    await until(() => assert.equal(got.length, 100), 10_000);
    assert.deepEqual(got, [...Array(100).keys()].map((i) => i + 150), 'the newest 100 are kept');
    await f.stop();
  });

  test('a rejected batch is dropped and counted, never retried; later ones still go', async () => {
    const tries: number[][] = [];
    const { counts, events } = recorder();
    const f = new BatchForwarder<number>({ batchSize: 5, ...FAST }, events);
    f.start({
      send: async (b) => {
        tries.push(b);
        if (b.includes(2)) throw new BatchRejectedError('bad');
      },
    });
    for (let i = 0; i < 5; i++) f.push(i);
    await until(() => assert.equal(counts.dropped.get('rejected'), 5), 10_000);
    await sleep(200);
    assert.equal(tries.length, 1, 'sent once, not again');
    for (let i = 10; i < 13; i++) f.push(i);
    await until(() => assert.equal(counts.sent, 3), 10_000);
    assert.deepEqual(counts.changes, [], 'a rejection is not an outage');
    await f.stop();
  });

  test('stop is bounded when the backend hangs, and counts what is left', async () => {
    const { counts, events } = recorder();
    const f = new BatchForwarder<number>({ batchSize: 5, ...FAST }, events);
    f.start({ send: () => new Promise<void>(() => undefined) });
    for (let i = 0; i < 12; i++) f.push(i);
    await sleep(100);
    const began = Date.now();
    await f.stop(300);
    assert.ok(Date.now() - began < 3000, `stop took ${Date.now() - began} ms`);
    assert.equal(counts.dropped.get('shutdown'), 12);
    f.push(99);
    assert.equal(counts.dropped.get('shutdown'), 13, 'lines after stop are counted, not kept');
  });
});

describe('Loki transport', () => {
  test('pushes streams labelled service, target and level, with basic auth from the URL', async () => {
    const port = await freePort();
    const server = await lokiServer(port);
    try {
      const endpoint = lokiEndpoint(`http://orbit:s%40cret@127.0.0.1:${port}/insert/`);
      assert.equal(endpoint.url, `http://127.0.0.1:${port}/insert/loki/api/v1/push`);
      assert.ok(!endpoint.display.includes('cret'));
      const transport = lokiTransport({ url: `http://orbit:s%40cret@127.0.0.1:${port}/insert`, service: 'orbit', target: 'all' });
      await transport.send([entry(1), entry(2, 'warn'), entry(3)]);
      const [push] = server.pushes;
      assert.equal(push!.url, '/insert/loki/api/v1/push');
      assert.equal(push!.headers.authorization, `Basic ${Buffer.from('orbit:s@cret').toString('base64')}`);
      assert.deepEqual(push!.body.streams.map((s: any) => s.stream), [
        { service: 'orbit', target: 'all', level: 'info' },
        { service: 'orbit', target: 'all', level: 'warn' },
      ]);
      assert.deepEqual(push!.body.streams[0].values[0], ['1700000000001000000', JSON.stringify({ msg: 'line 1', level: 'info' })]);
      assert.equal(JSON.parse(lokiBody([entry(5)], { service: 's', target: 't' })).streams[0].values[0][0], '1700000000005000000');
    } finally {
      await server.close();
    }
  });

  test('retries with backoff while Loki is away, and delivers everything once it is back', async () => {
    const port = await freePort();
    const { counts, events } = recorder();
    const f = new BatchForwarder<LokiEntry>({ batchSize: 20, ...FAST }, events);
    f.start(lokiTransport({ url: `http://127.0.0.1:${port}`, service: 'orbit', target: 'all' }));
    for (let i = 0; i < 50; i++) f.push(entry(i));
    await until(() => assert.deepEqual(counts.changes, [false]), 10_000);
    assert.equal(counts.sent, 0);
    const server = await lokiServer(port);
    try {
      await until(() => assert.equal(counts.sent, 50), 15_000);
      assert.deepEqual(server.lines(), [...Array(50).keys()].map((i) => entry(i).line), 'every line once, in order');
      assert.deepEqual(counts.changes, [false, true], 'away and back, reported once each');
      assert.equal(counts.dropped.size, 0);
    } finally {
      await f.stop();
      await server.close();
    }
  });

  test('a 400 drops the batch and counts it; 429 and 5xx are retried', async () => {
    const port = await freePort();
    let answer = 400;
    const server = await lokiServer(port, () => answer);
    const { counts, events } = recorder();
    const f = new BatchForwarder<LokiEntry>({ batchSize: 10, ...FAST }, events);
    f.start(lokiTransport({ url: `http://127.0.0.1:${port}`, service: 'orbit', target: 'all' }));
    try {
      for (let i = 0; i < 10; i++) f.push(entry(i));
      await until(() => assert.equal(counts.dropped.get('rejected'), 10), 10_000);
      await sleep(300);
      assert.equal(server.pushes.length, 1, 'a refused batch is not sent again');
      answer = 503;
      for (let i = 10; i < 15; i++) f.push(entry(i));
      await until(() => assert.ok(server.pushes.length >= 3), 10_000);
      assert.equal(counts.sent, 0);
      answer = 204;
      await until(() => assert.equal(counts.sent, 5), 10_000);
      assert.equal(counts.dropped.get('rejected'), 10);
    } finally {
      await f.stop();
      await server.close();
    }
  });
});

describe('Logstash transport', () => {
  test('reads tcp://host:port and nothing else', () => {
    assert.deepEqual(logstashAddress('tcp://logs.example:5044'), { host: 'logs.example', port: 5044 });
    assert.deepEqual(logstashAddress('tcp://[::1]:5044'), { host: '::1', port: 5044 });
    assert.throws(() => logstashAddress('http://logs:5044'), TypeError);
    assert.throws(() => logstashAddress('tcp://logs'), TypeError);
  });

  test('lines carry @timestamp, message, level, service, target, trace ids and the other fields', () => {
    const line = JSON.parse(logstashLine({ time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), level: 'warn', msg: 'hot', service: 'all', pid: 1, hostname: 'h', module: 'analyzer', trace_id: 't1', span_id: 's1', spacecraft: 'sc-1' }, { service: 'orbit', target: 'all' }));
    assert.deepEqual(line, { module: 'analyzer', spacecraft: 'sc-1', '@timestamp': '2026-01-02T03:04:05.006Z', message: 'hot', level: 'warn', service: 'orbit', target: 'all', trace_id: 't1', span_id: 's1' });
  });

  test('connects once Logstash is up, reconnects after it goes away, and loses no line', async () => {
    const port = await freePort();
    const { counts, events } = recorder();
    const f = new BatchForwarder<string>({ batchSize: 10, ...FAST }, events);
    const transport = logstashTransport({ url: `tcp://127.0.0.1:${port}`, timeoutMs: 2000, onUndelivered: (lines) => f.requeue(lines) });
    f.start(transport);
    const line = (i: number) => JSON.stringify({ message: `line ${i}`, n: i });
    for (let i = 0; i < 30; i++) f.push(line(i));
    await until(() => assert.deepEqual(counts.changes, [false]), 10_000);
    const receiver = await jsonLinesReceiver(port);
    try {
      await until(() => assert.equal(receiver.received.length, 30), 15_000);
      assert.deepEqual(receiver.received.map((r) => r.n), [...Array(30).keys()]);
      // Logstash goes away: lines written since, and those the connection may have swallowed, come back.
      await receiver.stop();
      for (let i = 30; i < 60; i++) f.push(line(i));
      await sleep(300);
      await receiver.start();
      await until(() => assert.deepEqual(new Set(receiver.received.map((r) => r.n)), new Set([...Array(60).keys()])), 20_000);
      assert.deepEqual(receiver.bad, []);
      assert.ok(receiver.connections >= 2, 'it reconnected');
      assert.equal(counts.dropped.size, 0);
    } finally {
      await f.stop();
      await receiver.stop();
    }
  });
});

describe('log forwarding from config', () => {
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

  test('writing 100,000 lines with both backends away returns promptly, and the buffer stays bounded', async () => {
    const config = loadConfig({ ORBIT_LOKI_URL: `http://127.0.0.1:${await freePort()}`, ORBIT_LOGSTASH_URL: `tcp://127.0.0.1:${await freePort()}` });
    const { logger, lines } = createLogger('info', 'all', discard());
    const metrics = new Registry();
    const forwarding = startLogForwarding(config, { lines, metrics, logger }, { maxBuffered: 5000, ...FAST });
    const heapBefore = process.memoryUsage().heapUsed;
    const began = Date.now();
    for (let i = 0; i < 100_000; i++) logger.info({ i, spacecraft: 'sc-1' }, 'reading stored');
    const took = Date.now() - began;
    assert.ok(took < 30_000, `logging took ${took} ms`);
    const text = await metrics.metrics();
    const value = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1]);
    for (const backend of ['loki', 'logstash']) {
      assert.ok(value('orbit_log_forward_buffered_entries', `backend="${backend}"`) <= 5000, text);
      assert.ok(value('orbit_log_forward_dropped_total', `backend="${backend}",reason="overflow"`) >= 95_000, text);
    }
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024, 'memory stays bounded');
    const stopping = Date.now();
    await forwarding.stop(500);
    assert.ok(Date.now() - stopping < 5000, `stop took ${Date.now() - stopping} ms`);
  });

  test('the metric series of configured backends exist from the first scrape; none without a backend', async () => {
    const { logger, lines } = createLogger('info', 'all', discard());
    const metrics = new Registry();
    const forwarding = startLogForwarding(loadConfig({ ORBIT_LOKI_URL: 'http://127.0.0.1:9/insert' }), { lines, metrics, logger });
    const text = await metrics.metrics();
    assert.match(text, /^orbit_log_forward_sent_total\{backend="loki"\} 0$/m);
    for (const reason of ['overflow', 'rejected']) assert.match(text, new RegExp(`^orbit_log_forward_dropped_total\\{backend="loki",reason="${reason}"\\} 0$`, 'm'));
    assert.match(text, /^orbit_log_forward_buffered_entries\{backend="loki"\} \d+$/m);
    assert.doesNotMatch(text, /backend="logstash"/);
    await forwarding.stop(200);
    const none = new Registry();
    const nothing = startLogForwarding(loadConfig({}), { lines, metrics: none, logger });
    assert.deepEqual(nothing.backends, []);
    assert.doesNotMatch(await none.metrics(), /orbit_log_forward/);
  });

  test('the log index shipper keeps entries until attached and drops what the index refuses as malformed', async () => {
    const shipper = new LogShipper('all');
    shipper.accept({ time: 1, level: 'info', msg: 'early', module: 'm', trace_id: 't', pid: 1, hostname: 'h', service: 'all', extra: 1 }, '');
    const got: unknown[] = [];
    let refuse = true;
    shipper.attach({
      index: async (entries) => {
        if (refuse) {
          refuse = false;
          throw new TypeError('log entry 0: bad');
        }
        got.push(...entries);
      },
    });
    await until(() => assert.equal(shipper.pending, 0), 5000);
    shipper.accept({ time: 2, level: 'warn', msg: 'later' }, '');
    await until(() => assert.equal(got.length, 1), 5000);
    assert.deepEqual(got, [{ time: 2, level: 'warn', msg: 'later', service: 'all' }]);
    await shipper.detach();
  });
});
