/**
 * Derived channels: number channels whose readings are computed from an expression over
 * other number channels of the same spacecraft (expression.ts), for each time at which
 * every input has a reading in the same batch. Computing from one batch alone keeps it
 * stateless: every ingest process derives the same readings from the same batch, however
 * many run and however often they restart.
 */
import type { ChannelType } from './schemas.ts';
import { compileExpression, ExpressionError, type Compiled } from './expression.ts';

export interface Definition {
  name: string;
  type: ChannelType;
  expression?: string;
  calibration?: unknown;
}

export interface Derivation {
  channel: string;
  compiled: Compiled;
}

const compiledCache = new Map<string, Compiled>();

/** Compiled once per distinct expression (a few per spacecraft): readings arrive far more often than definitions change. */
function compiled(expression: string): Compiled {
  let c = compiledCache.get(expression);
  if (!c) {
    if (compiledCache.size >= 10_000) compiledCache.clear();
    compiledCache.set(expression, (c = compileExpression(expression)));
  }
  return c;
}

/** Every problem of defining `name` as `def` among a spacecraft's `channels`, each with the JSON pointer of its field. */
export function expressionProblems(name: string, def: Omit<Definition, 'name'>, channels: ReadonlyMap<string, Definition>): { pointer: string; detail: string }[] {
  if (def.expression === undefined) return [];
  const problems: { pointer: string; detail: string }[] = [];
  if (def.type !== 'number') problems.push({ pointer: '/type', detail: 'a derived channel is a number channel' });
  if (def.calibration !== undefined) problems.push({ pointer: '/calibration', detail: 'a derived channel is computed in engineering units: it has no calibration' });
  let inputs: string[];
  try {
    inputs = compiled(def.expression).inputs;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return [...problems, { pointer: '/expression', detail: error.message }];
  }
  for (const input of inputs) {
    const c = channels.get(input);
    if (input === name) problems.push({ pointer: '/expression', detail: `reads the channel it defines ("${name}")` });
    else if (!c) problems.push({ pointer: '/expression', detail: `reads "${input}", which is not a channel of this spacecraft` });
    else if (c.type !== 'number') problems.push({ pointer: '/expression', detail: `reads "${input}", a ${c.type} channel; only number channels can be read` });
  }
  if (!problems.length) {
    const cycle = cycleThrough(name, { ...def, name }, channels);
    if (cycle) problems.push({ pointer: '/expression', detail: `derived channels would read each other in a circle: ${cycle.join(' -> ')}` });
  }
  return problems;
}

/** A path of derived channels from `name` back to itself, if defining it as `def` makes one. */
function cycleThrough(name: string, def: Definition, channels: ReadonlyMap<string, Definition>): string[] | undefined {
  const definitionOf = (n: string) => (n === name ? def : channels.get(n));
  const seen = new Set<string>();
  const walk = (n: string, path: string[]): string[] | undefined => {
    const d = definitionOf(n);
    if (!d?.expression) return undefined;
    for (const input of compiled(d.expression).inputs) {
      if (input === name) return [...path, input];
      if (seen.has(input)) continue;
      seen.add(input);
      const found = walk(input, [...path, input]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(name, [name]);
}

/**
 * The derived channels among `channels`, each after the derived channels it reads. A
 * definition that no longer compiles or reads a missing channel (its inputs were
 * redefined since) is left out rather than failing every batch.
 */
export function derivations(channels: ReadonlyMap<string, Definition>): Derivation[] {
  const out: Derivation[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Definition): boolean => {
    const s = state.get(c.name);
    if (s) return s === 'done';
    state.set(c.name, 'visiting');
    let usable: Compiled | undefined;
    try {
      usable = compiled(c.expression!);
    } catch {
      usable = undefined;
    }
    for (const input of usable?.inputs ?? []) {
      const d = channels.get(input);
      if (!d || d.type !== 'number' || (d.expression && !visit(d))) usable = undefined;
    }
    state.set(c.name, 'done');
    if (usable) out.push({ channel: c.name, compiled: usable });
    return usable !== undefined;
  };
  for (const c of channels.values()) if (c.expression && c.type === 'number') visit(c);
  return out;
}

/**
 * The readings of derived channels for readings of their inputs: one per time at which
 * every input has a reading among `readings` (or among derived readings computed before
 * it). A result that is not a finite number (sqrt of a negative, a division by zero)
 * gives no reading.
 */
export function deriveReadings(plan: readonly Derivation[], readings: readonly { channel: string; time: number; value: unknown }[]): { channel: string; time: number; value: number }[] {
  if (!plan.length) return [];
  const byChannel = new Map<string, Map<number, number>>();
  const add = (channel: string, time: number, value: number) => {
    let m = byChannel.get(channel);
    if (!m) byChannel.set(channel, (m = new Map()));
    m.set(time, value);
  };
  for (const r of readings) if (typeof r.value === 'number') add(r.channel, r.time, r.value);
  const out: { channel: string; time: number; value: number }[] = [];
  for (const { channel, compiled: c } of plan) {
    const columns = c.inputs.map((i) => byChannel.get(i));
    if (columns.some((m) => m === undefined)) continue;
    const values = new Float64Array(columns.length);
    for (const [time, first] of columns[0]!) {
      values[0] = first;
      let all = true;
      for (let i = 1; i < columns.length && all; i++) {
        const v = columns[i]!.get(time);
        if (v === undefined) all = false;
        else values[i] = v;
      }
      if (!all) continue;
      const value = c.evaluate(values);
      if (!Number.isFinite(value)) continue;
      out.push({ channel, time, value });
      add(channel, time, value);
    }
  }
  return out;
}
