/**
 * Checks a batch against the mission database: every spacecraft and channel known
 * (or registrable), every value of its channel's type, every calibrated value finite.
 * Returns every problem, each naming its reading, so a client can fix a batch in one go,
 * and the readings calibrated, since calibrating is part of the check.
 */
import type { FieldError } from '../../platform/problem.ts';
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import type { ChannelRef, IngestItem, RawReading } from '../../core/messages.ts';
import type { SpacecraftView } from '../../stores/missions/catalog.ts';
import { MAX_EPOCH_MS } from '../../core/time.ts';
import { calibrateReading, channelRef } from './calibrate.ts';
import { derivations, deriveReadings, type Derivation } from '../../core/derived.ts';

/** Derivations per cached set of channel definitions: the catalog hands out the same map until a definition changes. */
const plans = new WeakMap<ReadonlyMap<string, unknown>, Derivation[]>();
function derivationsOf(view: SpacecraftView): Derivation[] {
  let plan = plans.get(view.channels);
  if (!plan) plans.set(view.channels, (plan = derivations(view.channels)));
  return plan;
}

export interface LocatedReading extends RawReading {
  /** JSON pointer of this reading in the request body. */
  pointer: string;
}

export interface CheckedGroup {
  /**
   * The readings calibrated, with the channels they name. Complete only when there are no
   * `newChannels`: readings of those are left out until the channels exist and the group
   * is checked again.
   */
  item: IngestItem;
  /** Channels to create first because the mission auto-registers them. */
  newChannels: { name: string; type: ChannelType }[];
}

export function valueType(value: ReadingValue): ChannelType {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}

export function checkGroup(
  spacecraftId: string,
  view: SpacecraftView | undefined,
  readings: LocatedReading[],
  spacecraftPointer: string,
  errors: FieldError[],
  /** The latest time a reading may carry (the server's clock plus the allowed skew). */
  latestMs = Infinity,
): CheckedGroup | undefined {
  if (!view) {
    errors.push({ pointer: spacecraftPointer, detail: `unknown spacecraft "${spacecraftId}"` });
    return undefined;
  }
  const newChannels = new Map<string, ChannelType>();
  const refs = new Map<string, ChannelRef>();
  const item: IngestItem = { spacecraft: spacecraftId, channels: [], readings: [] };
  // One reading per channel and time: the store would keep either, the analyzer and the enricher both.
  const seen = new Map<string, string>();
  for (const r of readings) {
    const before = errors.length;
    if (!(Math.abs(r.time) <= MAX_EPOCH_MS)) errors.push({ pointer: `${r.pointer}/time`, detail: 'is not a valid time' });
    else if (r.time > latestMs) errors.push({ pointer: `${r.pointer}/time`, detail: `is ${Math.round((r.time - latestMs) / 1000)} s past the latest time accepted now (the server's clock plus ORBIT_INGEST_MAX_FUTURE_SECONDS)` });
    const key = `${r.channel}\u0000${r.time}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push({ pointer: `${r.pointer}/time`, detail: `repeats the channel and time of ${first}` });
    else seen.set(key, r.pointer);
    if (typeof r.value === 'number' && !Number.isFinite(r.value)) errors.push({ pointer: `${r.pointer}/value`, detail: 'must be a finite number' });
    const channel = view.channels.get(r.channel);
    const type = channel?.type ?? newChannels.get(r.channel);
    if (!type) {
      if (view.autoRegisterChannels) newChannels.set(r.channel, valueType(r.value));
      else errors.push({ pointer: `${r.pointer}/channel`, detail: `unknown channel "${r.channel}" of spacecraft "${spacecraftId}"` });
    } else if (valueType(r.value) !== type) {
      errors.push({ pointer: `${r.pointer}/value`, detail: `must be a ${type} for channel "${r.channel}", got ${JSON.stringify(r.value)}` });
    } else if (channel?.expression !== undefined) {
      errors.push({ pointer: `${r.pointer}/channel`, detail: `channel "${r.channel}" is derived (${channel.expression}): its readings are computed, not sent` });
    }
    if (errors.length !== before || !channel) continue;
    const calibrated = calibrateReading(r, channel);
    if (typeof calibrated.value === 'number' && !Number.isFinite(calibrated.value)) {
      errors.push({ pointer: `${r.pointer}/value`, detail: `calibrates to a value out of range for channel "${r.channel}"` });
      continue;
    }
    item.readings.push(calibrated);
    if (!refs.has(r.channel)) refs.set(r.channel, channelRef(channel));
  }
  for (const d of deriveReadings(derivationsOf(view), item.readings)) {
    item.readings.push(d);
    if (!refs.has(d.channel)) refs.set(d.channel, channelRef(view.channels.get(d.channel)!));
  }
  item.channels = [...refs.values()];
  return { item, newChannels: [...newChannels].map(([name, type]) => ({ name, type })) };
}
