/**
 * Loki's push API: POST <base>/loki/api/v1/push with a JSON body of streams, each a label
 * set (service, target, level) with its lines as [nanosecond timestamp string, line].
 * Works with anything that accepts Loki's protocol (VictoriaLogs serves it under /insert).
 *
 * A user and password in the base URL become basic authentication; they never appear in
 * errors. 429 and 5xx answers, and failed connections, mean "away: try again later";
 * any other 4xx means the batch itself is refused, and it is dropped.
 */
import { BatchRejectedError, type Transport } from './forwarder.ts';

/** One line as Loki takes it. */
export interface LokiEntry {
  /** Nanoseconds since the epoch, as a decimal string. */
  ns: string;
  level: string;
  line: string;
}

export interface LokiOptions {
  /** Base URL, e.g. http://127.0.0.1:3100; `/loki/api/v1/push` is appended. */
  url: string;
  /** The `service` and `target` labels of every stream. */
  service: string;
  target: string;
  /** How long one push may take before it counts as failed. Default 10 s. */
  timeoutMs?: number;
}

export const LOKI_PUSH_PATH = '/loki/api/v1/push';

/** Milliseconds to Loki's nanosecond string, without floating point. */
export function lokiTimestamp(timeMs: number): string {
  return `${BigInt(Math.trunc(timeMs)) * 1_000_000n}`;
}

/** The push endpoint and its authorization header, from a base URL that may hold credentials. */
export function lokiEndpoint(base: string): { url: string; authorization?: string; display: string } {
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Loki URL must be http:// or https://, not ${url.protocol}`);
  const authorization = url.username || url.password
    ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    : undefined;
  url.username = '';
  url.password = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${LOKI_PUSH_PATH}`;
  return { url: url.href, authorization, display: `${url.protocol}//${url.host}${url.pathname}` };
}

/** The push request body: one stream per level, lines in the order they were written. */
export function lokiBody(batch: readonly LokiEntry[], labels: { service: string; target: string }): string {
  const byLevel = new Map<string, [string, string][]>();
  for (const entry of batch) {
    let values = byLevel.get(entry.level);
    if (!values) byLevel.set(entry.level, (values = []));
    values.push([entry.ns, entry.line]);
  }
  return JSON.stringify({ streams: [...byLevel].map(([level, values]) => ({ stream: { service: labels.service, target: labels.target, level }, values })) });
}

export function lokiTransport(options: LokiOptions): Transport<LokiEntry> {
  const endpoint = lokiEndpoint(options.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(endpoint.authorization && { authorization: endpoint.authorization }) };
  return {
    async send(batch) {
      let response: Response;
      try {
        response = await fetch(endpoint.url, { method: 'POST', headers, body: lokiBody(batch, options), signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error);
        throw new Error(`Loki at ${endpoint.display} is unreachable: ${cause.message}`, { cause: error });
      }
      const text = await response.text().catch(() => '');
      if (response.ok) return;
      const message = `Loki at ${endpoint.display} answered ${response.status}: ${text.slice(0, 300)}`;
      if (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408) throw new BatchRejectedError(message);
      throw new Error(message);
    },
  };
}
