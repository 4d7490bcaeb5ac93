/**
 * One trace from the HTTP request to the alert event, read back from Jaeger: all in one on
 * the embedded engines (spans over OTLP http/protobuf), and as separate services on
 * RabbitMQ and Kafka (OTLP http/json).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { formatTle } from '../../src/core/orbit/tle.ts';
import { realBackend } from '../support/engines.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, seedMission, startOrbit, tempDir, type ApiResponse, type OrbitChild } from '../support/orbit.ts';

type Api = (pathname: string, init?: RequestInit & { json?: unknown }) => Promise<ApiResponse>;

/** A span as Jaeger's API v3 answers it: OTLP JSON, with the service of its resource. */
interface Span {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { spanId: string }[];
  attributes: { key: string; value: Record<string, unknown> }[];
  service: string;
}

type Trace = Span[];

const KIND = { server: 2, producer: 4, consumer: 5 };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function tracingEnv(protocol: 'http/protobuf' | 'http/json'): Record<string, string> {
  // Spans are exported a tenth of a second after they end, so the test need not wait for the default five.
  return { OTEL_EXPORTER_OTLP_ENDPOINT: realBackend('OTEL_EXPORTER_OTLP_ENDPOINT'), OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: '100' };
}

/** The trace as Jaeger holds it, once it has a span of every name in `names`. */
async function traceWith(traceId: string, names: string[]): Promise<Trace> {
  let seen: string[] = [];
  try {
    return await eventually(async () => {
      const response = await fetch(`${realBackend('JAEGER_QUERY_URL')}/api/v3/traces/${traceId}`);
      if (!response.ok) return undefined;
      const { result } = (await response.json()) as { result: { resourceSpans: { resource: { attributes: Span['attributes'] }; scopeSpans: { spans: Omit<Span, 'service'>[] }[] }[] } };
      const spans = result.resourceSpans.flatMap(({ resource, scopeSpans }) => {
        const service = String(resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
        return scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ ...span, service })));
      });
      seen = spans.map((s) => s.name);
      return names.every((n) => seen.includes(n)) ? spans : undefined;
    }, 30_000, 'trace in Jaeger');
  } catch (error) {
    throw new Error(`trace ${traceId} has spans ${seen.join(', ') || '(none)'}; expected ${names.join(', ')}`, { cause: error });
  }
}

/** An attribute's value (OTLP JSON writes integers as strings). */
function tag(span: Span, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return 'intValue' in value ? Number(value.intValue) : Object.values(value)[0];
}
const linksOf = (span: Span) => (span.links ?? []).map((l) => l.spanId);

function only(trace: Trace, name: string, where: (span: Span) => boolean = () => true): Span {
  const found = trace.filter((s) => s.name === name && where(s));
  assert.equal(found.length, 1, `one span "${name}" in ${trace.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/**
 * Posts a red-limit violation under a trace of the caller's and follows it to the alert
 * event. Spans name the queues and topics as the engine knows them: `prefix` is the
 * installation's namespace.
 */
async function followReading(api: Api, spacecraft: string, prefix = ''): Promise<{ trace: Trace; spans: Record<string, Span> }> {
  await seedMission({ api }, spacecraft, { 'thermal.battery_temp': { type: 'number', unit: 'degC', limits: { redHigh: 50 } } });
  const traceId = hex(16);
  const callerSpan = hex(8);
  const posted = await api('/v1/telemetry', {
    method: 'POST', headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
    json: { spacecraft, readings: [{ channel: 'thermal.battery_temp', time: new Date().toISOString(), value: 61 }] },
  });
  assert.equal(posted.status, 202, await posted.text());

  const [ingest, processed, alerts] = ['telemetry.ingest', 'telemetry.processed', 'alerts'].map((name) => `${prefix}${name}`);
  const trace = await traceWith(traceId, ['POST /v1/telemetry', `publish ${ingest}`, `process ${ingest}`, `send ${processed}`, `process ${processed}`, `send ${alerts}`]);
  const request = only(trace, 'POST /v1/telemetry');
  const publish = only(trace, `publish ${ingest}`);
  const processing = only(trace, `process ${ingest}`);
  const fanOut = only(trace, `send ${processed}`);
  const analysis = only(trace, `process ${processed}`, (s) => tag(s, 'messaging.consumer.group.name') === `${prefix}analyzer`);
  const alert = only(trace, `send ${alerts}`);

  assert.equal(request.parentSpanId, callerSpan, 'the request continues the caller\'s trace');
  assert.deepEqual([request.kind, tag(request, 'http.route'), tag(request, 'http.response.status_code')], [KIND.server, '/v1/telemetry', 202]);
  assert.deepEqual([publish.parentSpanId, publish.kind, tag(publish, 'messaging.destination.name')], [request.spanId, KIND.producer, ingest]);
  assert.deepEqual([processing.parentSpanId, processing.kind], [publish.spanId, KIND.consumer], 'the processor continues the message it took');
  assert.deepEqual(linksOf(processing), [publish.spanId]);
  assert.deepEqual([fanOut.parentSpanId, fanOut.kind], [processing.spanId, KIND.producer]);
  assert.deepEqual([analysis.parentSpanId, analysis.kind], [fanOut.spanId, KIND.consumer]);
  assert.deepEqual(linksOf(analysis), [fanOut.spanId], 'the analyzer links to the span of each record it handled');
  assert.equal(alert.parentSpanId, analysis.spanId, 'the alert event comes from the analysis');
  return { trace, spans: { request, publish, processing, fanOut, analysis, alert } };
}

describe('one trace across every hop, all in one on the embedded engines', () => {
  let orbit: OrbitChild;
  let data: { dir: string; remove(): Promise<void> };

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir, env: { ...tracingEnv('http/protobuf'), OTEL_SERVICE_NAME: `orbit-test-${hex(4)}` } });
  });
  after(async () => {
    await orbit?.stop();
    await data?.remove();
  });

  test('from POST /v1/telemetry through the queue, the processor, the event log and the analyzer to the alert', async () => {
    const { trace, spans } = await followReading(orbit.api, 'trace-1');
    assert.equal(tag(spans.publish!, 'messaging.system'), 'orbit_embedded');
    assert.deepEqual(new Set(trace.map((s) => s.service)).size, 1, 'one process, one service');
  });

  test('from POST /v1/jobs through compute to the result event, and the job\'s log lines carry the trace id', async () => {
    await seedMission(orbit, 'trace-2', {});
    const tle = formatTle({ satnum: 90002, epoch: new Date('2026-11-27T00:00:00Z'), inclinationDeg: 51.6, raanDeg: 120, eccentricity: 0.0005, argPerigeeDeg: 90, meanAnomalyDeg: 10, meanMotionRevPerDay: 15.5, bstar: 0.0001 });
    assert.equal((await orbit.api('/v1/spacecraft/trace-2', { method: 'PATCH', json: { tle } })).status, 200);
    const traceId = hex(16);
    const submitted = await orbit.api('/v1/jobs', {
      method: 'POST', headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
      json: { type: 'orbit.propagate', params: { spacecraft: 'trace-2', from: '2026-11-27T01:00:00Z', to: '2026-11-27T01:10:00Z', stepSeconds: 60 } },
    });
    assert.equal(submitted.status, 202, await submitted.text());
    const trace = await traceWith(traceId, ['POST /v1/jobs', 'publish compute.jobs', 'process compute.jobs', 'send compute.results']);
    const request = only(trace, 'POST /v1/jobs');
    const publish = only(trace, 'publish compute.jobs');
    const run = only(trace, 'process compute.jobs');
    const result = only(trace, 'send compute.results');
    assert.equal(publish.parentSpanId, request.spanId);
    assert.equal(run.parentSpanId, publish.spanId);
    assert.equal(result.parentSpanId, run.spanId);

    const entries = await eventually(async () => {
      const body = await (await orbit.api(`/v1/logs?traceId=${traceId}`)).json();
      return body.entries.some((e: { msg: string }) => e.msg === 'job succeeded') ? body.entries : undefined;
    }, 15_000, 'the job\'s log line, found by its trace id');
    const line = entries.find((e: { msg: string }) => e.msg === 'job succeeded');
    assert.equal(line.traceId, traceId);
    assert.equal(line.spanId, run.spanId, 'written inside the span that ran the job');
  });
});

describe('one trace across separate services on RabbitMQ and Kafka', () => {
  let deployment: Deployment;

  before(async () => {
    deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 1, analyzer: 1 }, env: tracingEnv('http/json') });
  });
  after(async () => {
    await deployment?.stop();
  });

  test('each service continues the trace it takes from a message header', async () => {
    const { spans } = await followReading(deployment.api, 'trace-3', `${deployment.env.ORBIT_ENGINE_NAMESPACE}.`);
    assert.equal(tag(spans.publish!, 'messaging.system'), 'rabbitmq');
    assert.equal(tag(spans.fanOut!, 'messaging.system'), 'kafka');
    assert.deepEqual(
      [spans.request!, spans.processing!, spans.analysis!].map((s) => s.service),
      ['orbit-ingest', 'orbit-processor', 'orbit-analyzer'],
    );
  });
});
