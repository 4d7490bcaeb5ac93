/**
 * OpenTelemetry tracing of one process, configured by the SDK's standard `OTEL_*`
 * variables (endpoint, protocol, sampler, resource attributes, batch sizes). It is
 * started only when `config.tracing` says spans have somewhere to go; otherwise the SDK
 * is never loaded and the API below is OpenTelemetry's no-op.
 *
 * Spans: one SERVER span per HTTP request (@fastify/otel, continuing the caller's
 * `traceparent`), and the messaging spans the queue and event-log decorators record
 * (engines/shared/messaging-spans.ts). Metrics stay with Prometheus and logs with the
 * forwarders, so the SDK exports traces only.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import type { FastifyPluginCallback } from 'fastify';
import type { Config } from './config.ts';

export interface Tracing {
  /** Registered on the HTTP server before any route. */
  httpPlugin: FastifyPluginCallback;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes would be most of the spans and tell nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export async function startTracing(config: Pick<Config, 'serviceName' | 'targets'>, version: string): Promise<Tracing> {
  const [{ startNodeSdk }, { FastifyOtelInstrumentation }] = await Promise.all([import('@opentelemetry/sdk-node'), import('@fastify/otel')]);
  const http = new FastifyOtelInstrumentation({
    // The handler span and a span per hook would triple the spans of every request.
    instrumentHooks: false,
    instrumentHandler: false,
    ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?')[0]!),
    // HTTP semantic conventions: a server span is named after the method and the route template.
    requestHook: (span, request) => span.updateName(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`),
  });
  const sdk = startNodeSdk({
    resourceAttributes: { 'service.name': config.serviceName, 'service.namespace': 'orbit', 'service.version': version, 'orbit.targets': config.targets.join(',') },
    instrumentations: [http],
    metricReaders: [],
    logRecordProcessors: [],
  });
  return { httpPlugin: http.plugin() as FastifyPluginCallback, shutdown: () => sdk.shutdown() };
}

/** The trace and span ids of the span a log line is written in, under the names the log index reads. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** The `traceparent` of the current span, for work carried into a message by hand; undefined when tracing is off. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
