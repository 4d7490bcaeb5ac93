/**
 * Starts `orbit start` as a child process on a temp data dir and a free port, the way
 * a user would, and talks to it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { sleep } from './wait.ts';

import assert from 'node:assert/strict';
export { tempDir } from './temp-store.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A fetch Response whose JSON tests may read without casts. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  json(): Promise<any>;
  text(): Promise<string>;
}

export interface OrbitChild {
  url: string;
  dataDir: string;
  child: ChildProcess;
  logs: string[];
  api(pathname: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * `until: 'serving'` (the default) resolves once every module started and the routes serve;
 * `'probing'` as soon as the process answers /healthz and /readyz, while modules may still wait for engines.
 */
export async function startOrbit(options: { dataDir: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number; until?: 'serving' | 'probing' }): Promise<OrbitChild> {
  const phase = options.until === 'probing' ? /answering probes|listening/ : /listening/;
  const child = spawn(path.join(ROOT, 'bin/orbit'), ['start', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ORBIT_PORT: '0', ORBIT_SIMULATOR: 'off', ORBIT_DATA_DIR: options.dataDir, ORBIT_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started server behind.
      child.kill('SIGKILL');
      reject(new Error(`orbit did not start in time:\n${logs.join('\n')}`));
    }, options.timeoutMs ?? 30_000);
    readline.createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.url && phase.test(entry.msg)) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`orbit exited (${code}) before listening:\n${logs.join('\n')}`));
    });
  });
  return {
    url, dataDir: options.dataDir, child, logs, api: apiAt(url), exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Calls the API at `url`; `json` becomes the body, sent as application/json. */
export function apiAt(url: string): (pathname: string, init?: RequestInit & { json?: unknown }) => Promise<ApiResponse> {
  return (pathname, init = {}) => {
    const { json, ...rest } = init;
    return fetch(`${url}${pathname}`, {
      ...rest,
      ...(json !== undefined && { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
    });
  };
}

/** Calls the API at `url` presenting an API key (`Authorization: Bearer`), as a client of a process with ORBIT_AUTH on does. */
export function apiWithKey(url: string, key: string): (pathname: string, init?: RequestInit & { json?: unknown }) => Promise<ApiResponse> {
  const api = apiAt(url);
  return (pathname, init = {}) => api(pathname, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string> | undefined) } });
}

/** The value of a metric's first sample on a process's /metrics (0 when absent). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** A metric summed over several processes. */
export async function metricTotal(processes: { url: string }[], name: string): Promise<number> {
  return (await Promise.all(processes.map((p) => metric(p.url, name)))).reduce((a, b) => a + b, 0);
}

/** Polls until check returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await sleep(50);
  }
}

/** Creates a mission, a spacecraft and the given channels through the API. */
export async function seedMission(orbit: Pick<OrbitChild, 'api'>, spacecraft: string, channels: Record<string, unknown>): Promise<void> {
  const ok = async (res: Promise<ApiResponse>) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
  };
  await ok(orbit.api('/v1/missions', { method: 'POST', json: { id: `m-${spacecraft}`, name: `Mission of ${spacecraft}` } }));
  await ok(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: spacecraft, missionId: `m-${spacecraft}`, name: spacecraft } }));
  for (const [name, def] of Object.entries(channels)) await ok(orbit.api(`/v1/spacecraft/${spacecraft}/channels/${name}`, { method: 'PUT', json: def }));
}

/** The answer's body as JSON (undefined when empty), once its status is `status`; the body is the message otherwise. */
export async function expectJson(response: Promise<ApiResponse>, status: number): Promise<any> {
  const r = await response;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return text ? JSON.parse(text) : undefined;
}
