/**
 * Messaging spans after OpenTelemetry's messaging semantic conventions, written once for
 * the task queue and the event log, embedded or real: a PRODUCER span per publish whose
 * context travels in the message's W3C `traceparent` header, and a CONSUMER span around
 * each handler call, linked to the span of every message it handles.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';

/** Attribute names of the messaging conventions (still incubating, so kept here rather than imported). */
export const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  consumerGroup: 'messaging.consumer.group.name',
  kafkaOffset: 'messaging.kafka.offset',
} as const;

const tracer = () => trace.getTracer('orbit.messaging');

/** The trace context a message carries (the root context when it carries none). */
export function contextOf(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** The headers with `ctx`'s trace context written in, replacing any it carried. */
export function withContext(headers: Readonly<Record<string, string>> | undefined, ctx: Context): Record<string, string> {
  const out = { ...headers };
  delete out.traceparent;
  delete out.tracestate;
  propagation.inject(ctx, out);
  return out;
}

export function producerSpan(operation: 'publish' | 'send', destination: string, parent: Context, attributes: Attributes): Span {
  return tracer().startSpan(`${operation} ${destination}`, {
    kind: SpanKind.PRODUCER,
    attributes: { [MESSAGING.operationName]: operation, [MESSAGING.operationType]: 'send', [MESSAGING.destination]: destination, ...attributes },
  }, parent);
}

/**
 * A CONSUMER span for handling `messages` (their trace contexts) taken from `destination`.
 * It links to each message's span; it is also the child of that span when every message
 * belongs to one trace, so a request is followed in one trace while the pipeline is not
 * mixing batches, and through links when it is.
 */
export function consumerSpan(destination: string, messages: readonly Context[], attributes: Attributes): { span: Span; parent: Context } {
  const links = new Map<string, Link>();
  for (const ctx of messages) {
    const span = trace.getSpanContext(ctx);
    if (span && !links.has(span.spanId)) links.set(span.spanId, { context: span });
  }
  const traces = new Set([...links.values()].map((l) => l.context.traceId));
  const parent = traces.size === 1 ? messages.find((ctx) => trace.getSpanContext(ctx))! : ROOT_CONTEXT;
  const span = tracer().startSpan(`process ${destination}`, {
    kind: SpanKind.CONSUMER,
    links: [...links.values()],
    attributes: { [MESSAGING.operationName]: 'process', [MESSAGING.operationType]: 'process', [MESSAGING.destination]: destination, ...attributes },
  }, parent);
  return { span, parent };
}

/** Runs `work` as `span`'s child context and ends the span with its outcome. */
export async function inSpan<T>(span: Span, parent: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
