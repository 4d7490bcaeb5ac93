/**
 * Where the real engines are: from the environment, or from `.engines/env` that
 * `npm run engines:up` writes. A test that needs an engine fails, never skips, without one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type EngineVariable = 'ORBIT_QUEUE_URL' | 'ORBIT_EVENTS_BROKERS' | 'ORBIT_SQL_URL' | 'ORBIT_DOCS_URL' | 'ORBIT_SEARCH_URL';

export const ENGINES_ENV_FILE = path.resolve(import.meta.dirname, '../../.engines/env');

function fromFile(): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(ENGINES_ENV_FILE, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  } catch {
    return {};
  }
}

/** Every engine variable that is known, environment first. */
export function engineEnv(): Partial<Record<EngineVariable, string>> {
  const file = fromFile();
  const names: EngineVariable[] = ['ORBIT_QUEUE_URL', 'ORBIT_EVENTS_BROKERS', 'ORBIT_SQL_URL', 'ORBIT_DOCS_URL', 'ORBIT_SEARCH_URL'];
  return Object.fromEntries(names.flatMap((n) => (process.env[n] ?? file[n] ? [[n, process.env[n] ?? file[n]]] : [])));
}

/** Observability backends `npm run engines:up` starts beside the engines; kept apart, so that no Orbit is pointed at them unless a test asks. */
export type BackendVariable = 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'JAEGER_QUERY_URL' | 'ORBIT_LOKI_URL';

export function realBackend(variable: BackendVariable): string {
  const value = process.env[variable] ?? fromFile()[variable];
  if (!value) throw new Error(`${variable} is not set and ${ENGINES_ENV_FILE} does not name it: start the backends with \`npm run engines:up\``);
  return value;
}

/** The same MongoDB server under another database name. */
export function withDatabase(url: string, database: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?/, `$1/${database}`);
}

export function realEngine(variable: EngineVariable): string {
  const value = engineEnv()[variable];
  if (!value) throw new Error(`${variable} is not set and ${ENGINES_ENV_FILE} does not name it: start the engines with \`npm run engines:up\``);
  return value;
}
