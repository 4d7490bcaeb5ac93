/** Which channels stand for a spacecraft at a glance, and how their values read. */
import type { Channel } from '../../api.ts';

const KEY_CHANNEL_COUNT = 4;

/** Numeric channels with limits are the ones whose value says whether all is well. */
export function keyChannels(channels: readonly Channel[]): Channel[] {
  return channels
    .filter((c) => c.type === 'number' && c.limits && Object.keys(c.limits).length > 0)
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, KEY_CHANNEL_COUNT);
}

/** The shortest time after which one of the channels counts as stale, in ms; undefined when none can be. */
export function staleAfterMs(channels: readonly Channel[]): number | undefined {
  const seconds = channels.map((c) => c.staleAfterSeconds).filter((s): s is number => s !== undefined);
  return seconds.length ? Math.min(...seconds) * 1000 : undefined;
}
