/**
 * Brings the real engines up and down as a set, remembering what it started in
 * `.engines/state.json` so that `down` stops exactly those processes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultContext, isAlive, type Engine, type EngineContext } from './engine.ts';
import postgres from './postgres.ts';
import rabbitmq from './rabbitmq.ts';
import kafka from './kafka.ts';
import mongo from './mongo.ts';
import elasticsearch from './elasticsearch.ts';
import jaeger from './jaeger.ts';
import prometheus from './prometheus.ts';
import victorialogs from './victorialogs.ts';

export const ENGINES: readonly Engine[] = [postgres, rabbitmq, kafka, mongo, elasticsearch, jaeger, victorialogs, prometheus];

export interface EngineState {
  pids: number[];
  /** Each pid's start time (clock ticks since boot), so a pid reused after a reboot is never signalled. */
  starts?: (number | null)[];
  version: string;
  startedAt: string;
}

type State = Record<string, EngineState>;

const stateFile = (ctx: EngineContext) => path.join(ctx.root, 'state.json');

/** Field 22 of /proc/<pid>/stat: when the process started. The command name may hold spaces, so count from its closing parenthesis. */
function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/** The recorded process is still the one running under that pid. */
function ours(known: EngineState, index: number): boolean {
  const pid = known.pids[index]!;
  if (!isAlive(pid)) return false;
  const recorded = known.starts?.[index];
  return recorded === undefined || recorded === null || recorded === startTime(pid);
}

async function readState(ctx: EngineContext): Promise<State> {
  return JSON.parse(await readFile(stateFile(ctx), 'utf8').catch(() => '{}')) as State;
}

async function writeState(ctx: EngineContext, state: State): Promise<void> {
  await mkdir(ctx.root, { recursive: true });
  await writeFile(stateFile(ctx), `${JSON.stringify(state, null, 2)}\n`);
}

let updates: Promise<unknown> = Promise.resolve();

/** Read-modify-write of the state, one at a time: engines that start together must not lose each other's pids. */
function updateState(ctx: EngineContext, change: (state: State) => void): Promise<void> {
  const next = updates.then(async () => {
    const state = await readState(ctx);
    change(state);
    await writeState(ctx, state);
  });
  updates = next.catch(() => undefined);
  return next;
}

function pick(names: readonly string[] | undefined): Engine[] {
  if (!names?.length) return [...ENGINES];
  const unknown = names.filter((n) => !ENGINES.some((e) => e.name === n));
  if (unknown.length) throw new Error(`unknown engine(s) ${unknown.join(', ')}; known: ${ENGINES.map((e) => e.name).join(', ')}`);
  return ENGINES.filter((e) => names.includes(e.name));
}

export interface UpResult {
  name: string;
  version: string;
  /** Whether this call started it, or found it running from an earlier `up`. */
  started: boolean;
  seconds: number;
}

/** Installs and starts the named engines (all by default), reusing ones already running. */
export async function up(names?: readonly string[], ctx: EngineContext = defaultContext()): Promise<UpResult[]> {
  const engines = pick(names);
  await mkdir(ctx.root, { recursive: true });
  // Installs go one at a time (apt and Maven share locks and caches); starts then overlap.
  for (const engine of engines) {
    const began = Date.now();
    await engine.install(ctx);
    ctx.log(`${engine.name}: installed (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  }
  const results = await Promise.all(
    engines.map(async (engine): Promise<UpResult> => {
      const began = Date.now();
      const known = (await readState(ctx))[engine.name];
      if (known && known.pids.every((_, i) => ours(known, i)) && (await engine.serving(ctx))) {
        return { name: engine.name, version: known.version, started: false, seconds: 0 };
      }
      if (await engine.serving(ctx)) {
        throw new Error(`${engine.name}: something not started by engines:up already listens at ${Object.values(engine.env).join(' ')}; stop it first`);
      }
      const started = await engine.start(ctx);
      await updateState(ctx, (state) => {
        state[engine.name] = { pids: started.pids, starts: started.pids.map(startTime), version: started.version, startedAt: new Date().toISOString() };
      });
      return { name: engine.name, version: started.version, started: true, seconds: (Date.now() - began) / 1000 };
    }),
  );
  await writeFile(path.join(ctx.root, 'env'), `${Object.entries(engineVariables()).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return results;
}

const GRACE_MS = 30_000;

/** Stops the named engines (all by default) by the pids `up` recorded: SIGTERM, then SIGKILL. */
export async function down(names?: readonly string[], ctx: EngineContext = defaultContext()): Promise<string[]> {
  const state = await readState(ctx);
  const stopped: string[] = [];
  for (const engine of pick(names).toReversed()) {
    const known = state[engine.name];
    if (!known) continue;
    for (const [index, pid] of known.pids.entries()) {
      if (!isAlive(pid)) continue;
      if (!ours(known, index)) {
        ctx.log(`${engine.name}: pid ${pid} is now another process (restarted machine?); leaving it alone`);
        continue;
      }
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + GRACE_MS;
      while (isAlive(pid) && Date.now() < deadline) await sleep(100);
      if (isAlive(pid)) {
        ctx.log(`${engine.name}: pid ${pid} ignored SIGTERM for ${GRACE_MS / 1000} s; killing it`);
        process.kill(pid, 'SIGKILL');
      }
    }
    await updateState(ctx, (latest) => {
      delete latest[engine.name];
    });
    stopped.push(engine.name);
  }
  return stopped;
}

/** What `up` recorded, for logs and `status`. */
export async function status(ctx: EngineContext = defaultContext()): Promise<(EngineState & { name: string; alive: boolean })[]> {
  const state = await readState(ctx);
  return Object.entries(state).map(([name, s]) => ({ name, ...s, alive: s.pids.every((_, i) => ours(s, i)) }));
}

/** The variables that point Orbit at every engine. */
export function engineVariables(): Record<string, string> {
  return Object.assign({}, ...ENGINES.map((e) => e.env)) as Record<string, string>;
}
