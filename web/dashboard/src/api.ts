/**
 * The HTTP API as the dashboard uses it. Types come from the server's schemas
 * (src/core/schemas.ts), so the page and the API cannot drift apart unnoticed.
 */
import type { Alert, Bucket, Channel, LatestReading, Mission, Point, Spacecraft } from '../../../src/core/schemas.ts';

export type { Alert, Bucket, Channel, LatestReading, Mission, Point, Spacecraft, StreamAlert, StreamTelemetry, ReadingValue, Severity, AlertState } from '../../../src/core/schemas.ts';

/** An answer other than 2xx, with the problem+json the API sent (RFC 9457). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: { title?: string; detail?: string; errors?: { pointer: string; detail: string }[] } | undefined;

  constructor(status: number, problem: ApiError['problem']) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

/** Who is signed in, and the session's CSRF token; undefined when the server checks no keys (ORBIT_AUTH off). */
export interface SessionInfo {
  key: { id: string; name: string; role: string; missions?: string[] };
  csrfToken?: string;
}

let session: Promise<SessionInfo | undefined> | undefined;

/** Read once: 404 means access control is off (no session to show, no token to send). */
export function currentSession(): Promise<SessionInfo | undefined> {
  session ??= fetch('/v1/session', { headers: { accept: 'application/json' } }).then(
    async (res) => (res.ok ? ((await res.json()) as SessionInfo) : undefined),
    () => undefined,
  );
  return session;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
  // A change made with the session cookie carries the session's CSRF token.
  if (method !== 'GET') {
    const token = (await currentSession())?.csrfToken;
    if (token) headers['x-csrf-token'] = token;
  }
  const res = await fetch(path, {
    method,
    signal,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  return (await res.json()) as T;
}

const query = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();

export const api = {
  missions: (signal?: AbortSignal) => request<Mission[]>('GET', '/v1/missions', undefined, signal),
  spacecraft: (mission?: string, signal?: AbortSignal) => request<Spacecraft[]>('GET', `/v1/spacecraft?${query({ mission })}`, undefined, signal),
  channels: (spacecraft: string, signal?: AbortSignal) => request<Channel[]>('GET', `/v1/spacecraft/${encodeURIComponent(spacecraft)}/channels`, undefined, signal),
  latest: (spacecraft: string, signal?: AbortSignal) =>
    request<{ readings: LatestReading[] }>('GET', `/v1/telemetry/latest?${query({ spacecraft })}`, undefined, signal).then((r) => r.readings),
  /** One page of raw readings; `next` continues it. Times: ISO 8601 or epoch ms; `to` exclusive. */
  points: (q: { spacecraft: string; channel: string; from?: string | number; to?: string | number; limit?: number; cursor?: string }, signal?: AbortSignal) =>
    request<{ points: Point[]; next?: string }>('GET', `/v1/telemetry?${query(q)}`, undefined, signal),
  aggregate: (q: { spacecraft: string; channel: string; from?: string | number; to?: string | number; step: number; limit?: number }, signal?: AbortSignal) =>
    request<{ buckets: Bucket[] }>('GET', `/v1/telemetry/aggregate?${query(q)}`, undefined, signal).then((r) => r.buckets),
  alerts: (q: { state?: string; spacecraft?: string; severity?: string; limit?: number } = {}, signal?: AbortSignal) =>
    request<Alert[]>('GET', `/v1/alerts?${query(q)}`, undefined, signal),
  acknowledge: (id: string, by: string, comment?: string) => request<Alert>('POST', `/v1/alerts/${encodeURIComponent(id)}/acknowledge`, { by, ...(comment ? { comment } : {}) }),
  submitJob: (type: string, params: unknown) => request<{ id: string }>('POST', '/v1/jobs', { type, params }),
  job: <R = unknown>(id: string, signal?: AbortSignal) =>
    request<{ id: string; type: string; state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'; progress: number; result?: R; error?: string }>('GET', `/v1/jobs/${encodeURIComponent(id)}`, undefined, signal),
  /** A page of a succeeded job's result rows; `next` is the cursor of the page after. */
  jobResult: <Row = unknown>(id: string, limit: number, signal?: AbortSignal) =>
    request<{ rows: Row[]; total: number; next?: string }>('GET', `/v1/jobs/${encodeURIComponent(id)}/result?limit=${limit}`, undefined, signal),
};
