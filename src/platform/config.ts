/**
 * Configuration from environment variables (12-factor), validated at start.
 * The schema is the single source of truth for names, types, defaults and docs.
 */
import path from 'node:path';
import os from 'node:os';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { QUEUE_OPTIONS, QUEUES, type QueueName } from '../core/messages.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** Where Orbit is installed (the checkout, or /app in the image): the default TLE file is found from here. */
const INSTALLATION = path.resolve(import.meta.dirname, '../..');

/** Environment variable -> schema; `description` feeds `orbit config` and the README. */
export const EnvSchema = Type.Object({
  ORBIT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port of this process (0 picks a free one)' }),
  ORBIT_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the HTTP server binds to' }),
  ORBIT_AUTH: Type.Optional(Type.Enum(['on', 'off'], { description: 'Whether every request must present an API key or a signed-in session (default: on unless ORBIT_HOST is a loopback address; off with a non-loopback ORBIT_HOST is refused)' })),
  ORBIT_ALLOWED_HOSTS: Type.Optional(Type.String({ pattern: '^\\s*(\\*|[^\\s,]+)(\\s*,\\s*(\\*|[^\\s,]+))*\\s*$', description: 'Host header names accepted, comma-separated, `*` for any (against DNS rebinding; default: localhost, 127.0.0.1 and [::1] when bound to loopback, else any); /healthz, /readyz and /metrics answer any' })),
  ORBIT_SESSION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 12, description: 'Hours a browser session (signed in with a key) lasts' }),
  ORBIT_ADMIN_KEY: Type.Optional(Type.String({ minLength: 32, description: 'A bootstrap admin key (at least 32 characters, e.g. from a Kubernetes Secret); never stored, matched by its hash. Create named keys with it, then rotate it away' })),
  ORBIT_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'The key this process presents to other Orbit processes (the simulator posting to ORBIT_INGEST_URL); in one process with auth on and none given, the simulator gets an in-memory credential' })),
  ORBIT_DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Where embedded engines keep their data' }),
  ORBIT_TARGET: Type.String({ minLength: 1, default: 'all', description: 'Targets to run, comma-separated (the --target flag wins)' }),
  ORBIT_SIMULATOR: Type.Optional(Type.Enum(['on', 'off'], { description: 'Whether the simulated fleet flies (default: on for target all, else off)' })),
  ORBIT_LOG_LEVEL: Type.Enum(LEVELS, { default: 'info', description: 'Minimum level written to stdout and the log index' }),
  ORBIT_LOG_FORMAT: Type.Enum(['auto', 'json', 'pretty'], { default: 'auto', description: 'Log lines on stdout: json (one object per line), pretty (for people), auto (pretty on a terminal, json otherwise)' }),
  ORBIT_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024, description: 'Largest request body accepted; larger answers 413' }),
  ORBIT_MAX_BATCH_READINGS: Type.Integer({ minimum: 1, default: 10_000, description: 'Most readings in one telemetry batch; more answers 413' }),
  ORBIT_INGEST_MAX_FUTURE_SECONDS: Type.Integer({ minimum: 0, default: 300, description: 'How far past the server clock a reading may be timestamped; later ones are refused (400), since a reading from the future would hold back its channel\'s alerting' }),
  ORBIT_IDEMPOTENCY_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24, description: 'Hours an Idempotency-Key of POST /v1/telemetry and POST /v1/jobs is kept: the same key and body within it get the first answer again' }),
  ORBIT_STREAM_MAX_CLIENTS: Type.Integer({ minimum: 1, default: 1000, description: 'Live-stream (GET /v1/stream) clients one process serves at once; more answer 503 + Retry-After' }),
  ORBIT_INGEST_MAX_INFLIGHT: Type.Integer({ minimum: 1, default: 64, description: 'Telemetry batches being enqueued at once before 503 + Retry-After' }),
  ORBIT_INGEST_MAX_BACKLOG: Type.Integer({ minimum: 1, default: 2000, description: 'Batches waiting for a processor before ingest answers 503 + Retry-After' }),
  ORBIT_PROCESSOR_PREFETCH: Type.Integer({ minimum: 1, default: 16, description: 'Ingest batches a processor works on at once' }),
  ORBIT_EVENTS_PARTITIONS: Type.Integer({ minimum: 1, default: 8, description: 'Partitions of each event-log topic' }),
  ORBIT_ENRICHED_RETENTION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24, description: 'Hours enriched per-minute documents are kept' }),
  ORBIT_COMPUTE_WORKERS: Type.Integer({ minimum: 1, default: Math.max(1, os.availableParallelism() - 1), description: 'Worker threads for compute jobs' }),
  // Caps: each bounds what one client can make the installation hold or do.
  ORBIT_MAX_SPACECRAFT: Type.Integer({ minimum: 1, default: 10_000, description: 'Spacecraft one installation holds; creating or importing more answers 409' }),
  ORBIT_MAX_CHANNELS_PER_SPACECRAFT: Type.Integer({ minimum: 1, default: 2_000, description: 'Channels of one spacecraft, auto-registered ones included; more answer 409 (a definition) or 400 naming the channels (a telemetry batch, refused whole)' }),
  ORBIT_COMPUTE_MAX_BACKLOG: Type.Integer({ minimum: 1, default: 100, description: 'Compute jobs waiting for a worker before POST /v1/jobs answers 503 + Retry-After' }),
  ORBIT_COMPUTE_MAX_SAMPLES: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100_000, description: 'Samples (span / step + 1) one orbit.propagate job may compute, and grid points per channel of a telemetry.spectrum job; more answers 400 naming the fields before any work (or fails the spectrum job when only its readings tell)' }),
  ORBIT_HISTORY_MAX_POINTS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100_000, description: 'Largest `limit` of GET /v1/telemetry (points in one page) and of aggregate buckets returned' }),
  ORBIT_HISTORY_MAX_BUCKETS: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000, description: 'Buckets an aggregate read may span (range / step); more answers 400 naming step' }),
  ORBIT_HISTORY_DEFAULT_HOURS: Type.Number({ exclusiveMinimum: 0, default: 24, description: 'Window of a history read without from: the hours before to (default: just after the channel\'s newest reading)' }),
  ORBIT_SQL_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 30_000, description: 'Longest a PostgreSQL statement may run before it is cancelled and its request answers 503 + Retry-After (0: no limit; PGlite does not enforce it, see docs/operations.md)' }),
  ORBIT_NOTIFY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: QUEUE_OPTIONS[QUEUES.notifications].maxAttempts, description: 'Tries of a webhook delivery before it is dead-lettered' }),
  ORBIT_NOTIFY_RETRY_DELAY_MS: Type.Integer({ minimum: 0, default: QUEUE_OPTIONS[QUEUES.notifications].retryDelayMs, description: 'Milliseconds before the second try of a webhook delivery; doubles after each further failure' }),
  ORBIT_NOTIFY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 8000, default: 5000, description: "Milliseconds a webhook receiver has to answer a delivery (under the 9 s drain, so a stop never cuts a try off)" }),
  ORBIT_SIMULATOR_SPACECRAFT: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Simulated spacecraft' }),
  ORBIT_SIMULATOR_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000, description: 'Milliseconds between simulated samples' }),
  ORBIT_SIMULATOR_ANOMALY_SECONDS: Type.Integer({ minimum: 1, default: 120, description: 'Seconds between injected anomalies' }),
  ORBIT_SIMULATOR_TLE_FILE: Type.String({ default: 'src/components/simulator/fleet.tle', description: 'TLE catalogue the simulated fleet is drawn from (synthetic orbits when absent); the default, 100 real low-Earth orbits shipped with Orbit, is found from the installation, a path set here from the working directory' }),
  ORBIT_INGEST_URL: Type.Optional(Type.String({ format: 'uri', description: 'Base URL of the Orbit API the simulator registers its fleet with and posts telemetry to (default: this process)' })),
  // A port whose variable is unset runs on its embedded engine under ORBIT_DATA_DIR.
  ORBIT_QUEUE_URL: Type.Optional(Type.String({ pattern: '^amqps?://', description: 'RabbitMQ for the task queue, amqp://user:password@host:port/vhost?management=port (the management API gives queue depths; default: embedded)' })),
  ORBIT_EVENTS_BROKERS: Type.Optional(Type.String({ pattern: '^[^\\s,:]+:\\d+(,[^\\s,:]+:\\d+)*$', description: 'Kafka bootstrap brokers for the event log, host:port,... (default: embedded)' })),
  ORBIT_SQL_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL for the relational store, postgres://user:password@host:port/database (default: embedded PGlite)' })),
  ORBIT_DOCS_URL: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://', description: 'MongoDB for the document store, mongodb://host:port/database (default: embedded)' })),
  ORBIT_SEARCH_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'Elasticsearch for the log index, http://host:port (default: embedded)' })),
  // Log forwarding: either, both or neither.
  ORBIT_LOKI_URL: Type.Optional(Type.String({ pattern: '^https?://([^\\s/?#@]+@)?(\\[[^\\]\\s]+\\]|[^\\s/?#@:\\[\\]]+)(:\\d{1,5})?([/?#]\\S*)?$', description: 'Loki (or anything that speaks its push API) that log lines are forwarded to, base URL http://user:password@host:port; Orbit appends /loki/api/v1/push (default: not forwarded)' })),
  ORBIT_LOGSTASH_URL: Type.Optional(Type.String({ pattern: '^tcp://(\\[[^\\]\\s]+\\]|[^\\s:/\\[\\]]+):\\d{1,5}/?$', description: 'Logstash tcp input (json_lines codec) that log lines are forwarded to, tcp://host:port (default: not forwarded)' })),
  ORBIT_ENGINE_NAMESPACE: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 40, description: 'Prefix of queue, topic, consumer-group and index names, so that installations can share engines' })),
});

export type Env = Static<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  targets: string[];
  /** What this process is called in traces and shipped logs: OTEL_SERVICE_NAME, else `orbit` for all in one and `orbit-<target>-...` for a subset. */
  serviceName: string;
  /** Whether spans are recorded and exported: see `tracingWanted`. */
  tracing: boolean;
  simulator: boolean;
  logLevel: Env['ORBIT_LOG_LEVEL'];
  logFormat: Env['ORBIT_LOG_FORMAT'];
  /** Access control (docs/security.md). `allowedHosts` undefined: any Host header. */
  auth: { enabled: boolean; allowedHosts?: string[]; sessionMs: number; adminKey?: string; apiKey?: string };
  limits: { maxBodyBytes: number; maxBatchReadings: number; maxFutureMs: number; idempotencyKeepMs: number; streamMaxClients: number; ingestMaxInflight: number; ingestMaxBacklog: number };
  /** What one client can make the installation hold or do: see the ORBIT_MAX_* and related variables. */
  caps: { maxSpacecraft: number; maxChannelsPerSpacecraft: number; computeMaxBacklog: number; computeMaxSamples: number; historyMaxPoints: number; historyMaxBuckets: number; historyDefaultWindowMs: number };
  sql: { statementTimeoutMs: number };
  processor: { prefetch: number };
  events: { partitions: number };
  enricher: { retentionHours: number };
  compute: { workers: number };
  notifier: { timeoutMs: number };
  /** Retry options of each task queue: QUEUE_OPTIONS with the settings that override them. */
  queues: Record<QueueName, { maxAttempts: number; retryDelayMs: number }>;
  sim: { spacecraft: number; intervalMs: number; anomalySeconds: number; tleFile: string; ingestUrl?: string };
  /** Real engines by port; an absent one is embedded. */
  engines: { queueUrl?: string; eventsBrokers?: string[]; sqlUrl?: string; docsUrl?: string; searchUrl?: string; namespace?: string };
  /** Where log lines are forwarded besides the log index; absent ones are not. */
  logForwarding: { lokiUrl?: string; logstashUrl?: string };
  /** The variables as validated, for `orbit config`. */
  env: Env;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function loadConfig(source: NodeJS.ProcessEnv, overrides: { targets?: string[] } = {}): Config {
  const keys = Object.keys(EnvSchema.properties) as (keyof Env)[];
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(source)) {
    if (!name.startsWith('ORBIT_') || value === undefined || value === '') continue;
    if ((keys as string[]).includes(name)) raw[name] = value;
    else unknown.push(`${name} is not a setting Orbit knows (known: ${keys.join(', ')})`);
  }
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  // One problem per variable, the first the validator found.
  const byName = new Map<string, string>();
  for (const e of Value.Errors(EnvSchema, converted)) {
    const name = e.instancePath.replace(/^\//, '');
    const allowed = (EnvSchema.properties as Record<string, { enum?: unknown[] }>)[name]?.enum;
    const shown = typeof raw[name] === 'string' ? maskSecret(name, raw[name]) : raw[name];
    if (!byName.has(name)) byName.set(name, `${name}=${JSON.stringify(shown)}: ${allowed ? `must be one of ${allowed.join(', ')}` : e.message}`);
  }
  const problems = [...byName.values()];
  if (problems.length || unknown.length) throw new ConfigError([...problems, ...unknown]);
  const env = converted as Env;
  const loopback = isLoopback(env.ORBIT_HOST);
  if (env.ORBIT_AUTH === 'off' && !loopback) {
    throw new ConfigError([`ORBIT_AUTH=off with ORBIT_HOST=${env.ORBIT_HOST}: anyone who reaches that address could change the mission database; bind ORBIT_HOST to a loopback address (127.0.0.1) or leave ORBIT_AUTH on`]);
  }
  const targets = overrides.targets ?? env.ORBIT_TARGET.split(',').map((t) => t.trim()).filter(Boolean);
  return {
    port: env.ORBIT_PORT,
    host: env.ORBIT_HOST,
    dataDir: path.resolve(env.ORBIT_DATA_DIR),
    targets,
    serviceName: source.OTEL_SERVICE_NAME || (targets.length === 1 && targets[0] === 'all' ? 'orbit' : `orbit-${targets.join('-')}`),
    tracing: tracingWanted(source),
    simulator: env.ORBIT_SIMULATOR ? env.ORBIT_SIMULATOR === 'on' : targets.includes('all'),
    logLevel: env.ORBIT_LOG_LEVEL,
    logFormat: env.ORBIT_LOG_FORMAT,
    auth: {
      enabled: env.ORBIT_AUTH ? env.ORBIT_AUTH === 'on' : !loopback,
      allowedHosts: allowedHosts(env.ORBIT_ALLOWED_HOSTS, loopback),
      sessionMs: env.ORBIT_SESSION_HOURS * 3_600_000,
      adminKey: env.ORBIT_ADMIN_KEY,
      apiKey: env.ORBIT_API_KEY,
    },
    limits: { maxBodyBytes: env.ORBIT_MAX_BODY_BYTES, maxBatchReadings: env.ORBIT_MAX_BATCH_READINGS, maxFutureMs: env.ORBIT_INGEST_MAX_FUTURE_SECONDS * 1000, idempotencyKeepMs: env.ORBIT_IDEMPOTENCY_HOURS * 3_600_000, streamMaxClients: env.ORBIT_STREAM_MAX_CLIENTS, ingestMaxInflight: env.ORBIT_INGEST_MAX_INFLIGHT, ingestMaxBacklog: env.ORBIT_INGEST_MAX_BACKLOG },
    caps: {
      maxSpacecraft: env.ORBIT_MAX_SPACECRAFT,
      maxChannelsPerSpacecraft: env.ORBIT_MAX_CHANNELS_PER_SPACECRAFT,
      computeMaxBacklog: env.ORBIT_COMPUTE_MAX_BACKLOG,
      computeMaxSamples: env.ORBIT_COMPUTE_MAX_SAMPLES,
      historyMaxPoints: env.ORBIT_HISTORY_MAX_POINTS,
      historyMaxBuckets: env.ORBIT_HISTORY_MAX_BUCKETS,
      historyDefaultWindowMs: env.ORBIT_HISTORY_DEFAULT_HOURS * 3_600_000,
    },
    sql: { statementTimeoutMs: env.ORBIT_SQL_STATEMENT_TIMEOUT_MS },
    processor: { prefetch: env.ORBIT_PROCESSOR_PREFETCH },
    events: { partitions: env.ORBIT_EVENTS_PARTITIONS },
    enricher: { retentionHours: env.ORBIT_ENRICHED_RETENTION_HOURS },
    compute: { workers: env.ORBIT_COMPUTE_WORKERS },
    notifier: { timeoutMs: env.ORBIT_NOTIFY_TIMEOUT_MS },
    queues: { ...QUEUE_OPTIONS, [QUEUES.notifications]: { maxAttempts: env.ORBIT_NOTIFY_MAX_ATTEMPTS, retryDelayMs: env.ORBIT_NOTIFY_RETRY_DELAY_MS } },
    sim: {
      spacecraft: env.ORBIT_SIMULATOR_SPACECRAFT,
      intervalMs: env.ORBIT_SIMULATOR_INTERVAL_MS,
      anomalySeconds: env.ORBIT_SIMULATOR_ANOMALY_SECONDS,
      tleFile: path.resolve(source.ORBIT_SIMULATOR_TLE_FILE ? '.' : INSTALLATION, env.ORBIT_SIMULATOR_TLE_FILE),
      ingestUrl: env.ORBIT_INGEST_URL,
    },
    engines: {
      queueUrl: env.ORBIT_QUEUE_URL,
      eventsBrokers: env.ORBIT_EVENTS_BROKERS?.split(','),
      sqlUrl: env.ORBIT_SQL_URL,
      docsUrl: env.ORBIT_DOCS_URL,
      searchUrl: env.ORBIT_SEARCH_URL,
      namespace: env.ORBIT_ENGINE_NAMESPACE,
    },
    logForwarding: { lokiUrl: env.ORBIT_LOKI_URL, logstashUrl: env.ORBIT_LOGSTASH_URL },
    env,
  };
}

/** Whether a bind address only takes connections from this machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The Host header names accepted: a loopback bind accepts only loopback names by default,
 * since a browser tricked by DNS rebinding sends the attacker's name; `*` means any.
 */
function allowedHosts(setting: string | undefined, loopback: boolean): string[] | undefined {
  const names = setting?.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (names?.includes('*')) return undefined;
  if (names?.length) return names;
  return loopback ? ['localhost', '127.0.0.1', '[::1]'] : undefined;
}

/**
 * Tracing is configured by the OpenTelemetry SDK's own variables only, and is on when they
 * name somewhere to send spans: an OTLP endpoint, or an exporter such as `console`. Off,
 * nothing of the SDK is loaded and no message carries more than the caller's traceparent.
 */
export function tracingWanted(source: NodeJS.ProcessEnv): boolean {
  if (source.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = source.OTEL_TRACES_EXPORTER?.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean) ?? [];
  if (exporters.includes('none')) return false;
  return exporters.length > 0 || Boolean(source.OTEL_EXPORTER_OTLP_ENDPOINT || source.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

const SECRET_PARAMS = /^(password|passwd|pass|secret|token|api[-_]?key|access[-_]?key|auth)$/i;

/**
 * Hides credentials in URLs (the password, query parameters that hold secrets, and URLs
 * nested in query values) and whole variables whose names say they are secret.
 */
export function maskSecret(name: string, value: string): string {
  if (/PASSWORD|SECRET|TOKEN|KEY/.test(name)) return '****';
  return maskUrl(value);
}

function maskUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not a URL: hide anything shaped like userinfo all the same.
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:).*@/i, '$1****@');
  }
  if (!url.host) return value;
  if (url.password) url.password = '****';
  for (const [key, inner] of [...url.searchParams]) {
    if (SECRET_PARAMS.test(key)) url.searchParams.set(key, '****');
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(inner)) url.searchParams.set(key, maskUrl(inner));
  }
  return url.toString().replaceAll('%2A%2A%2A%2A', '****');
}

/** Every setting with its effective value, where it came from and what it does. */
export function describeConfig(config: Config, source: NodeJS.ProcessEnv): { name: string; value: string; source: 'env' | 'default'; description: string }[] {
  return Object.entries(EnvSchema.properties).map(([name, schema]) => {
    const value = (config.env as Record<string, unknown>)[name];
    return {
      name,
      value: value === undefined ? '' : maskSecret(name, String(value)),
      source: source[name] ? 'env' : 'default',
      description: (schema as { description?: string }).description ?? '',
    };
  });
}
