/**
 * Prometheus and promtool from Debian (installed by `npm run engines:up`), for the tests
 * of the committed config, rules and dashboards. A test that needs them fails, never skips,
 * without them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort } from './net.ts';
import { sleep } from './wait.ts';

const execFileAsync = promisify(execFile);

export const DEPLOY = path.resolve(import.meta.dirname, '../../deploy/prometheus');

/** The binary on PATH or in /usr/bin; throws telling how to install it. */
export function binary(name: 'promtool' | 'prometheus'): string {
  const found = [...(process.env.PATH ?? '').split(':'), '/usr/bin'].map((dir) => path.join(dir, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed: run \`npm run engines:up\` (it installs the Debian prometheus package, which brings promtool)`);
  return found;
}

/** Runs promtool; resolves with its output, rejects with all of it when it fails. */
export async function promtool(args: string[], cwd = DEPLOY): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(binary('promtool'), args, { cwd, timeout: 120_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(), { cause: error });
  }
}

interface ScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: unknown;
  file_sd_configs?: { files: string[]; refresh_interval?: string }[];
  [key: string]: unknown;
}

/**
 * Debian builds Prometheus without Kubernetes service discovery, so the Kubernetes config
 * is checked and run with each `kubernetes_sd_configs` replaced by a file of targets that
 * carry the `__meta_kubernetes_*` labels a pod would have: every relabel rule still applies.
 */
export function kubernetesAsFileSd(text: string, file: string): string {
  const config = parse(text) as { scrape_configs: ScrapeConfig[] };
  for (const job of config.scrape_configs) {
    if (!job.kubernetes_sd_configs) continue;
    delete job.kubernetes_sd_configs;
    job.file_sd_configs = [{ files: [file], refresh_interval: '1s' }];
  }
  return stringify(config);
}

export interface PrometheusServer {
  url: string;
  child: ChildProcess;
  /** The instant query's result vector; throws on a query error. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Series matching a selector, over the last hour. */
  series(selector: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus on a free loopback port with `config` and its data under `dir`. */
export async function startPrometheus(options: { config: string; dir: string; timeoutMs?: number }): Promise<PrometheusServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = await open(path.join(options.dir, 'prometheus.log'), 'a');
  const child = spawn(binary('prometheus'), [
    `--config.file=${options.config}`,
    `--storage.tsdb.path=${path.join(options.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  const api = async <T>(pathname: string, params: Record<string, string>): Promise<T> => {
    const res = await fetch(`${url}${pathname}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${pathname} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
    return body.data;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}); see ${path.join(options.dir, 'prometheus.log')}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready; see ${path.join(options.dir, 'prometheus.log')}`);
    }
    await sleep(200);
  }
  return {
    url, child, stop,
    query: async (expr) => (await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>('/api/v1/query', { query: expr })).result,
    series: (selector) => api<Record<string, string>[]>('/api/v1/series', { 'match[]': selector, start: String(Date.now() / 1000 - 3600) }),
  };
}
