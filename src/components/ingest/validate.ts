/**
 * Checks a batch against the mission database: every spacecraft and channel known
 * (or registrable), every value of its channel's type. Returns every problem, each
 * naming its reading, so a client can fix a batch in one go.
 */
import type { FieldError } from '../../platform/problem.ts';
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import type { RawReading } from '../../core/messages.ts';
import type { SpacecraftView } from '../../stores/missions/catalog.ts';
import { calibrate } from '../../core/calibration.ts';
import { MAX_EPOCH_MS } from '../../core/time.ts';

export interface LocatedReading extends RawReading {
  /** JSON pointer of this reading in the request body. */
  pointer: string;
}

export interface CheckedGroup {
  spacecraft: string;
  readings: RawReading[];
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
): CheckedGroup | undefined {
  if (!view) {
    errors.push({ pointer: spacecraftPointer, detail: `unknown spacecraft "${spacecraftId}"` });
    return undefined;
  }
  const newChannels = new Map<string, ChannelType>();
  const accepted: RawReading[] = [];
  for (const r of readings) {
    const before = errors.length;
    if (!(Math.abs(r.time) <= MAX_EPOCH_MS)) errors.push({ pointer: `${r.pointer}/time`, detail: 'is not a valid time' });
    if (typeof r.value === 'number' && !Number.isFinite(r.value)) errors.push({ pointer: `${r.pointer}/value`, detail: 'must be a finite number' });
    const channel = view.channels.get(r.channel);
    const type = channel?.type ?? newChannels.get(r.channel);
    if (!type) {
      if (view.autoRegisterChannels) newChannels.set(r.channel, valueType(r.value));
      else errors.push({ pointer: `${r.pointer}/channel`, detail: `unknown channel "${r.channel}" of spacecraft "${spacecraftId}"` });
    } else if (valueType(r.value) !== type) {
      errors.push({ pointer: `${r.pointer}/value`, detail: `must be a ${type} for channel "${r.channel}", got ${JSON.stringify(r.value)}` });
    } else if (typeof r.value === 'number' && Number.isFinite(r.value) && !Number.isFinite(calibrate(r.value, channel?.calibration))) {
      errors.push({ pointer: `${r.pointer}/value`, detail: `calibrates to a value out of range for channel "${r.channel}"` });
    }
    if (errors.length === before) accepted.push({ channel: r.channel, time: r.time, value: r.value });
  }
  return { spacecraft: spacecraftId, readings: accepted, newChannels: [...newChannels].map(([name, type]) => ({ name, type })) };
}
