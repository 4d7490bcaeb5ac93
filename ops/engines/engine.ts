/**
 * Provisioning of the real engines on one machine, for development, tests and CI.
 * Each engine installs what is missing from a package registry, starts on loopback with
 * its data under `.engines/<name>`, and is stopped later by the pids it reported.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, execFile } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface EngineContext {
  /** Absolute `.engines/` directory of this checkout: data, logs and pid state. */
  root: string;
  /** Absolute cache for downloaded or built artifacts, shared by checkouts (survives a clean clone). */
  cache: string;
  log(message: string): void;
}

export interface StartedEngine {
  /** Every process the engine left running, stopped by SIGTERM (then SIGKILL) in this order. */
  pids: number[];
  /** Version of the server, as the server reports it. */
  version: string;
}

export interface Engine {
  name: string;
  /** The variables that point Orbit at this engine, e.g. { ORBIT_QUEUE_URL: 'amqp://...' }. */
  env: Record<string, string>;
  /** Installs what is missing; quick when everything is there already. */
  install(ctx: EngineContext): Promise<void>;
  /** Starts the server in the background on loopback and resolves once it serves clients. */
  start(ctx: EngineContext): Promise<StartedEngine>;
  /** Whether a server answers at the engine's address (one started earlier is reused). */
  serving(ctx: EngineContext): Promise<boolean>;
}

/**
 * PostgreSQL, RabbitMQ and Elasticsearch run as their own users, who must be able to reach
 * the data directory. A checkout under a private directory (mktemp -d, a home directory)
 * keeps its engines' data in /var/lib/orbit-engines instead, with `.engines` linking there.
 */
function enginesRoot(link: string): string {
  if (existsSync(link) && lstatSync(link).isSymbolicLink()) return realpathSync(link);
  const reachable = (dir: string): boolean => (statSync(dir).mode & 0o001) !== 0 && (path.dirname(dir) === dir || reachable(path.dirname(dir)));
  if (existsSync(link) || reachable(path.dirname(link))) return link;
  const root = path.join('/var/lib/orbit-engines', createHash('sha256').update(link).digest('hex').slice(0, 12));
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync('/var/lib/orbit-engines', 0o755);
  symlinkSync(root, link);
  return root;
}

export function defaultContext(root = enginesRoot(path.resolve(import.meta.dirname, '../../.engines'))): EngineContext {
  return {
    root,
    cache: path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orbit', 'engines'),
    log: (message) => console.error(`engines: ${message}`),
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`.trim(), { cause: error });
  }
}

export async function commandExists(command: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${command}`]).then(() => true, () => false);
}

let aptUpdated = false;

/** Installs Debian packages that are missing, without starting their services. */
export async function aptInstall(ctx: EngineContext, packages: string[]): Promise<void> {
  const missing: string[] = [];
  for (const p of packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', p]).catch(() => '');
    if (!status.includes('install ok installed')) missing.push(p);
  }
  if (!missing.length) return;
  ctx.log(`apt-get install ${missing.join(' ')}`);
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  if (!aptUpdated) {
    await run('apt-get', [...lock, 'update', '-q']);
    aptUpdated = true;
  }
  // policy-rc.d exit 101: packages must not start system services; we start our own on loopback.
  await run('sh', ['-c', 'printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d']);
  await run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Starts a long-running process detached from this one, output appended to `logFile`. */
export async function spawnDetached(command: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<number> {
  await mkdir(path.dirname(options.logFile), { recursive: true });
  const out = await open(options.logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out.fd, out.fd], env: options.env ?? process.env, cwd: options.cwd });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    return pid;
  } finally {
    await out.close();
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A loopback port that nothing listens on (free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` until it holds; fails naming `what` and pointing at the log. */
export async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs?: number; logFile?: string; pid?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.pid !== undefined && !isAlive(options.pid)) break;
    await sleep(250);
  }
  throw new Error(`${what} did not come up${options.logFile ? `; see ${options.logFile}` : ''}`);
}
