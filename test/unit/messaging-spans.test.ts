import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import { tracedQueue } from '../../src/engines/queue/traced.ts';
import { tracedLog } from '../../src/engines/events/traced.ts';
import type { EventRecord } from '../../src/engines/events/port.ts';
import { activeTraceparent, traceFields } from '../../src/platform/tracing.ts';
import { withTempDir } from '../support/temp-store.ts';
import { until } from '../support/wait.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = trace.getTracer('test');

before(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
after(() => provider.shutdown());

const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = spans(name);
  assert.equal(found.length, 1, `one span "${name}" among ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  return found[0]!;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Runs `work` inside a fresh span, as a request handler would; resolves with the span's ids. */
async function inRequest(work: () => Promise<void>): Promise<{ traceId: string; spanId: string }> {
  return tracer.startActiveSpan('request', async (span) => {
    await work();
    span.end();
    return span.spanContext();
  });
}

describe('messaging spans on the task queue', () => {
  test('a publish is a PRODUCER span of the caller, and the delivery is handled in its CONSUMER child', async () => {
    exporter.reset();
    await withTempDir('orbit-trace-', async (dir) => {
      const queue = tracedQueue(await EmbeddedTaskQueue.open(dir), 'orbit_embedded');
      try {
        await queue.assertQueue('work', { maxAttempts: 2, retryDelayMs: 0 });
        const seen: { traceparent?: string; active?: string }[] = [];
        const consumer = await queue.consume('work', async (delivery) => {
          seen.push({ traceparent: delivery.headers.traceparent, active: traceFields().span_id });
        }, { prefetch: 1 });
        const request = await inRequest(async () => void (await queue.publish('work', { n: 1 }, { id: 'm-1', headers: { ce_type: 'x' } })));
        await until(() => assert.equal(spans('process work').length, 1));
        await consumer.close();

        const publish = one('publish work');
        const processed = one('process work');
        assert.equal(publish.kind, SpanKind.PRODUCER);
        assert.equal(publish.spanContext().traceId, request.traceId);
        assert.equal(parentOf(publish), request.spanId);
        assert.deepEqual(
          [publish.attributes['messaging.system'], publish.attributes['messaging.destination.name'], publish.attributes['messaging.operation.type'], publish.attributes['messaging.message.id']],
          ['orbit_embedded', 'work', 'send', 'm-1'],
        );
        assert.equal(processed.kind, SpanKind.CONSUMER);
        assert.equal(processed.spanContext().traceId, request.traceId);
        assert.equal(parentOf(processed), publish.spanContext().spanId);
        assert.deepEqual(processed.links.map((l) => l.context.spanId), [publish.spanContext().spanId]);
        assert.equal(seen[0]!.traceparent, `00-${request.traceId}-${publish.spanContext().spanId}-01`, 'the message carries the producer span');
        assert.equal(seen[0]!.active, processed.spanContext().spanId, 'the handler runs inside the consumer span');
      } finally {
        await queue.close();
      }
    });
  });

  test('a handler that throws marks its span as failed, and the retry gets a span of its own', async () => {
    exporter.reset();
    await withTempDir('orbit-trace-', async (dir) => {
      const queue = tracedQueue(await EmbeddedTaskQueue.open(dir), 'orbit_embedded');
      try {
        await queue.assertQueue('work', { maxAttempts: 2, retryDelayMs: 0 });
        let calls = 0;
        const consumer = await queue.consume('work', async () => {
          if (++calls === 1) throw new Error('disk on fire');
        }, { prefetch: 1 });
        await inRequest(async () => void (await queue.publish('work', { n: 1 })));
        await until(() => assert.equal(spans('process work').length, 2));
        await consumer.close();
        const [first, second] = spans('process work').sort((a, b) => Number(a.attributes['orbit.delivery.attempt']) - Number(b.attributes['orbit.delivery.attempt']));
        assert.deepEqual([first!.status.code, first!.status.message], [SpanStatusCode.ERROR, 'disk on fire']);
        assert.equal(second!.status.code, SpanStatusCode.UNSET);
        assert.equal(parentOf(first!), parentOf(second!), 'both attempts continue the publish');
      } finally {
        await queue.close();
      }
    });
  });
});

describe('messaging spans on the event log', () => {
  async function withLog(work: (log: ReturnType<typeof tracedLog>) => Promise<void>): Promise<void> {
    await withTempDir('orbit-trace-', async (dir) => {
      const log = tracedLog(await EmbeddedEventLog.open(dir, { defaultPartitions: 1 }), 'orbit_embedded');
      try {
        await log.createTopic('events', { partitions: 1 });
        await work(log);
      } finally {
        await log.close();
      }
    });
  }

  test('records of one trace are processed in a child span of their publish; the handler sees it', async () => {
    exporter.reset();
    await withLog(async (log) => {
      const request = await inRequest(() => log.publish('events', [{ key: 'a', value: 1 }, { key: 'a', value: 2 }]));
      const active: (string | undefined)[] = [];
      const sub = await log.subscribe({ group: 'g', topics: ['events'] }, async () => void active.push(traceFields().span_id));
      await until(() => assert.equal(spans('process events').length, 1));
      await sub.close();
      const send = one('send events');
      const processed = one('process events');
      assert.equal(parentOf(send), request.spanId);
      assert.equal(send.attributes['messaging.batch.message_count'], 2);
      assert.equal(processed.spanContext().traceId, request.traceId);
      assert.equal(parentOf(processed), send.spanContext().spanId);
      assert.equal(processed.attributes['messaging.consumer.group.name'], 'g');
      assert.equal(processed.attributes['messaging.batch.message_count'], 2);
      assert.deepEqual(processed.links.map((l) => l.context.spanId), [send.spanContext().spanId], 'one link per distinct message span');
      assert.deepEqual(active, [processed.spanContext().spanId]);
    });
  });

  test('a batch mixing traces starts its own trace, linked to every message span', async () => {
    exporter.reset();
    await withLog(async (log) => {
      const first = await inRequest(() => log.publish('events', [{ key: 'a', value: 1 }]));
      const second = await inRequest(() => log.publish('events', [{ key: 'a', value: 2 }]));
      const batches: EventRecord[][] = [];
      const sub = await log.subscribe({ group: 'g', topics: ['events'] }, async (records) => void batches.push(records));
      await until(() => assert.equal(batches.flat().length, 2));
      await sub.close();
      assert.equal(batches.length, 1, 'both records in one handler call');
      const processed = one('process events');
      assert.equal(processed.parentSpanContext, undefined);
      assert.ok(![first.traceId, second.traceId].includes(processed.spanContext().traceId));
      const sends = spans('send events').map((s) => s.spanContext());
      assert.deepEqual(new Set(processed.links.map((l) => l.context.spanId)), new Set(sends.map((s) => s.spanId)));
      assert.deepEqual(new Set(sends.map((s) => s.traceId)), new Set([first.traceId, second.traceId]));
    });
  });

  test('an event that names its own traceparent continues that trace, whatever span publishes it', async () => {
    exporter.reset();
    await withLog(async (log) => {
      let carried = '';
      await inRequest(async () => void (carried = activeTraceparent()!));
      const origin = carried.split('-')[1];
      const writer = await inRequest(() => log.publish('events', [
        { key: 'a', value: 1, headers: { traceparent: carried } },
        { key: 'a', value: 2 },
      ]));
      const sends = spans('send events');
      assert.equal(sends.length, 2, 'one producer span per trace');
      assert.deepEqual(new Set(sends.map((s) => s.spanContext().traceId)), new Set([origin, writer.traceId]));
      const records = await log.read('events', 0, 0, 10);
      assert.deepEqual(records.map((r) => r.headers.traceparent!.split('-')[1]), [origin, writer.traceId]);
    });
  });
});

describe('trace context outside the engines', () => {
  test('with no span there is nothing to carry or to log', () => {
    assert.equal(activeTraceparent(), undefined);
    assert.deepEqual(traceFields(), {});
  });
});
