/**
 * Jaeger as the OTLP receiver and trace store that tests query: the v2 binary (built on the
 * OpenTelemetry Collector) from the Go module proxy, keeping traces in memory, every
 * listener on loopback. `OTEL_EXPORTER_OTLP_ENDPOINT` points Orbit at it; its query API
 * and UI answer on JAEGER_QUERY_URL.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { portOpen, run, spawnDetached, waitFor } from './engine.ts';
import type { Engine, EngineContext, StartedEngine } from './engine.ts';
import { buildGoProgram, type GoProgram } from './go.ts';

const VERSION = 'v1.75.0';
const OTLP_HTTP_PORT = 4318;
const OTLP_GRPC_PORT = 4317;
const QUERY_PORT = 16686;
const HEALTH_PORT = 13133;

export const JAEGER_QUERY_URL = `http://127.0.0.1:${QUERY_PORT}`;

const JAEGER: GoProgram = {
  name: 'jaeger',
  module: 'github.com/jaegertracing/jaeger',
  version: VERSION,
  pkg: './cmd/jaeger',
  minGo: [1, 24],
  // What `jaeger version` reports, as a release build would.
  ldflags: `-X github.com/jaegertracing/jaeger/internal/version.latestVersion=${VERSION}`,
};

/** The all-in-one pipeline of Jaeger's own default, on loopback and without its extras (sampling server, metrics listener). */
const CONFIG = `
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${HEALTH_PORT}
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memory_store
    http:
      endpoint: 127.0.0.1:${QUERY_PORT}
    grpc:
      endpoint: 127.0.0.1:16685
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${OTLP_GRPC_PORT}
      http:
        endpoint: 127.0.0.1:${OTLP_HTTP_PORT}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;

function paths(ctx: EngineContext) {
  const cache = path.join(ctx.cache, 'jaeger');
  const home = path.join(ctx.root, 'jaeger');
  return { cache, bin: path.join(cache, 'bin', 'jaeger'), config: path.join(home, 'config.yaml'), log: path.join(home, 'jaeger.log') };
}

async function builtVersion(bin: string): Promise<string | undefined> {
  const out = await run(bin, ['version']).catch(() => undefined);
  return out ? (JSON.parse(out.slice(out.indexOf('{'))) as { gitVersion?: string }).gitVersion : undefined;
}

async function queryAnswers(): Promise<boolean> {
  const response = await fetch(`${JAEGER_QUERY_URL}/api/services`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  return response?.ok ?? false;
}

const jaeger: Engine = {
  name: 'jaeger',
  env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${OTLP_HTTP_PORT}`, JAEGER_QUERY_URL },

  async install(ctx) {
    const p = paths(ctx);
    if ((await builtVersion(p.bin)) === VERSION) return;
    await buildGoProgram(ctx, JAEGER, p.cache, p.bin);
    const got = await builtVersion(p.bin);
    if (got !== VERSION) throw new Error(`jaeger: built ${p.bin} reports version ${got ?? 'nothing'}, expected ${VERSION}`);
  },

  async start(ctx): Promise<StartedEngine> {
    const p = paths(ctx);
    await mkdir(path.dirname(p.config), { recursive: true });
    await writeFile(p.config, CONFIG);
    const pid = await spawnDetached(p.bin, ['--config', p.config], { logFile: p.log });
    await waitFor(`Jaeger on 127.0.0.1:${OTLP_HTTP_PORT} and ${JAEGER_QUERY_URL}`, async () => (await portOpen(OTLP_HTTP_PORT)) && (await queryAnswers()), { timeoutMs: 60_000, logFile: p.log, pid });
    return { pids: [pid], version: `Jaeger ${VERSION}` };
  },

  async serving() {
    return (await portOpen(OTLP_HTTP_PORT)) && (await queryAnswers());
  },
};

export default jaeger;
