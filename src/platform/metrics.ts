/**
 * Prometheus metrics of one process: Node's runtime metrics and HTTP RED metrics,
 * all prefixed `orbit_`. Components add their own to the same registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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

/**
 * `orbit_module_ready{module}`: 1 when a module of this process is ready, 0 while it waits
 * (for its engine, say), read at scrape time; and `orbit_build_info{version,node_version}` = 1.
 */
export function instrumentReadiness(registry: Registry, status: () => { name: string; ready: boolean }[], version: string): void {
  new Gauge({
    name: 'orbit_module_ready', help: 'Whether a module of this process is ready (1) or still waiting (0)', labelNames: ['module'], registers: [registry],
    collect() {
      this.reset();
      for (const m of status()) this.set({ module: m.name }, m.ready ? 1 : 0);
    },
  });
  new Gauge({ name: 'orbit_build_info', help: 'Version of Orbit and of Node.js this process runs', labelNames: ['version', 'node_version'], registers: [registry] })
    .set({ version, node_version: process.versions.node }, 1);
}
