/**
 * Checked readings calibrated to engineering values, as the task queue carries them to
 * the processor, which then needs no mission database. Pure, so every rule of it is
 * unit-tested.
 */
import { calibrate } from '../../core/calibration.ts';
import type { CalibratedReading, ChannelRef, RawReading } from '../../core/messages.ts';
import type { Channel } from '../../core/schemas.ts';
import type { RevisedChannel } from '../../stores/missions/catalog.ts';

/**
 * Numbers go through their channel's calibration; other values and uncalibrated channels
 * stay as sent. The raw value travels only where calibration changed it, which most
 * channels' readings it does not (see bench/encoding.ts for what that saves).
 */
export function calibrateReading(reading: RawReading, channel: Pick<Channel, 'calibration'>): CalibratedReading {
  const { value } = reading;
  if (typeof value !== 'number' || !channel.calibration) return { channel: reading.channel, time: reading.time, value };
  const calibrated = calibrate(value, channel.calibration);
  return calibrated === value ? { channel: reading.channel, time: reading.time, value } : { channel: reading.channel, time: reading.time, value: calibrated, raw: value };
}

/** The channel as the messages name it: enough for the next stages to know its type and which definition was applied. */
export function channelRef(channel: RevisedChannel): ChannelRef {
  return { name: channel.name, type: channel.type, revision: channel.revision };
}
