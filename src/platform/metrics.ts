/**
 * Prometheus metrics of one process: Node's runtime metrics and HTTP RED metrics,
 * all prefixed `orbit_`. Components add their own to the same registry.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpServer } from './http.ts';

export function createMetrics(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'orbit_' });
  return registry;
}

/** Request rate, errors and duration per route template (never per raw URL). */
export function instrumentHttp(http: HttpServer, registry: Registry): void {
  const requests = new Counter({ name: 'orbit_http_server_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_code'], registers: [registry] });
  const duration = new Histogram({
    name: 'orbit_http_server_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route', 'status_code'], registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  http.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
