/**
 * Limit sets: other limits while a state channel of the same spacecraft has some value
 * (`limitSets: [{ when: { channel: 'mode', equals: 'safe' }, limits }]`, the first that
 * holds wins, else the channel's `limits`). The analyzer sees every processed reading, so
 * it keeps the recent readings of each state channel some definition names, and judges a
 * reading by the state channel's value at that reading's time.
 */
import type { Channel, Limits, LimitSet, ReadingValue } from '../../core/schemas.ts';

/** Readings kept per state channel: a reading older than all of them is judged by the oldest. */
export const STATE_HISTORY = 64;

/** The recent readings of one state channel, in time order. */
export class StateTimeline {
  readonly #times: number[] = [];
  readonly #values: ReadingValue[] = [];

  record(time: number, value: ReadingValue): void {
    const times = this.#times;
    let i = times.length;
    // Readings mostly come in order: the search is usually one comparison.
    while (i > 0 && times[i - 1]! > time) i--;
    if (i > 0 && times[i - 1] === time) {
      this.#values[i - 1] = value;
      return;
    }
    times.splice(i, 0, time);
    this.#values.splice(i, 0, value);
    if (times.length > STATE_HISTORY) {
      times.shift();
      this.#values.shift();
    }
  }

  /** The value at `time`: the latest reading not after it; the oldest kept if all are after; undefined with none. */
  valueAt(time: number): ReadingValue | undefined {
    const times = this.#times;
    let i = times.length - 1;
    while (i > 0 && times[i]! > time) i--;
    return this.#values[i];
  }
}

/** State timelines per spacecraft and channel, for the channels some limit set names. */
export class StateChannels {
  readonly #bySpacecraft = new Map<string, Map<string, StateTimeline>>();

  /** The timeline of a channel, if it is tracked. */
  timeline(spacecraft: string, channel: string): StateTimeline | undefined {
    return this.#bySpacecraft.get(spacecraft)?.get(channel);
  }

  /** Starts tracking a channel; returns its (new or existing) timeline. */
  track(spacecraft: string, channel: string): StateTimeline {
    let channels = this.#bySpacecraft.get(spacecraft);
    if (!channels) this.#bySpacecraft.set(spacecraft, (channels = new Map()));
    let timeline = channels.get(channel);
    if (!timeline) channels.set(channel, (timeline = new StateTimeline()));
    return timeline;
  }

  /** The tracked channels of a spacecraft (none: undefined), to record a batch's readings of them. */
  of(spacecraft: string): ReadonlyMap<string, StateTimeline> | undefined {
    return this.#bySpacecraft.get(spacecraft);
  }
}

export interface ChosenLimits {
  limits: Limits | undefined;
  /** The set in force, if one is. */
  set?: LimitSet;
}

/** The limits in force for a reading of `channel` at `time`, given the state channels' values then. */
export function chooseLimits(channel: Pick<Channel, 'limits' | 'limitSets'>, stateAt: (channel: string, time: number) => ReadingValue | undefined, time: number): ChosenLimits {
  if (channel.limitSets) {
    for (const set of channel.limitSets) {
      if (stateAt(set.when.channel, time) === set.when.equals) return { limits: set.limits, set };
    }
  }
  return { limits: channel.limits };
}

/** How a message names the set in force. */
export const describeSet = (set: LimitSet): string => `while ${set.when.channel} = ${String(set.when.equals)}`;
