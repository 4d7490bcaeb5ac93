/**
 * `orbit detect --spacecraft ID --channel NAME`: the detector a channel's definition
 * configures (its `detector` field), read from the mission database.
 */
import type { Logger } from 'pino';
import { Value } from 'typebox/value';
import { DetectorSpec } from '../core/anomaly/registry.ts';
import type { Config } from '../platform/config.ts';
import { MISSIONS } from '../stores/missions/catalog.ts';
import { withModules } from './one-off.ts';

export class ChannelDetectorError extends Error {}

/** The channel's configured detector; throws ChannelDetectorError when the channel is unknown or configures none. */
export function channelDetector(config: Config, spacecraft: string, channel: string, logger: Logger): Promise<DetectorSpec> {
  return withModules(config, logger, [MISSIONS.name], async (graph) => {
    const definition = (await graph.value(MISSIONS)!.listChannels(spacecraft)).find((c) => c.name === channel);
    if (!definition) throw new ChannelDetectorError(`spacecraft ${spacecraft} has no channel ${channel}`);
    if (!definition.detector) throw new ChannelDetectorError(`channel ${channel} of spacecraft ${spacecraft} configures no detector; pass --detector NAME`);
    // Stored by an older or newer version, a detector may be one this version does not know.
    if (!Value.Check(DetectorSpec, definition.detector)) throw new ChannelDetectorError(`channel ${channel} of spacecraft ${spacecraft} has a detector this version does not know: ${JSON.stringify(definition.detector)}`);
    return definition.detector;
  });
}
