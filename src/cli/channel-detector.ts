/**
 * `orbit detect --spacecraft ID --channel NAME`: the detector a channel's definition
 * configures (its `detector` field, a DetectorSpec), read from the mission database the
 * way `orbit replay` reaches the stores: the application's modules, started for this
 * one question and stopped again.
 */
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { lockDataDir } from '../app/orbit.ts';
import { modules } from '../app/registry.ts';
import { DetectorSpec } from '../core/anomaly/registry.ts';
import type { Config } from '../platform/config.ts';
import { ModuleGraph, resolveOrder } from '../platform/modules.ts';
import { Value } from 'typebox/value';

/** What this needs of the mission catalog (the stores are reached through the application, not imported). */
interface ChannelDirectory {
  listChannels(spacecraftId: string): Promise<{ name: string; detector?: unknown }[]>;
}

/** The mission catalog's service name (src/stores/missions/catalog.ts). */
const MISSIONS = { name: 'missions' };

export class ChannelDetectorError extends Error {}

/** The channel's configured detector; throws ChannelDetectorError when the channel is unknown or configures none. */
export async function channelDetector(config: Config, spacecraft: string, channel: string, logger: Logger): Promise<DetectorSpec> {
  const order = resolveOrder(modules, [MISSIONS.name]);
  const lock = order.some((m) => m.usesDataDir?.(config)) ? await lockDataDir(config.dataDir) : undefined;
  const graph = new ModuleGraph();
  try {
    await graph.start(order, { config, logger, metrics: new Registry(), url: () => '' });
    const catalog = graph.value<ChannelDirectory>(MISSIONS)!;
    const definition = (await catalog.listChannels(spacecraft)).find((c) => c.name === channel);
    if (!definition) throw new ChannelDetectorError(`spacecraft ${spacecraft} has no channel ${channel}`);
    if (definition.detector === undefined || definition.detector === null) {
      throw new ChannelDetectorError(`channel ${channel} of spacecraft ${spacecraft} configures no detector; pass --detector NAME`);
    }
    if (!Value.Check(DetectorSpec, definition.detector)) throw new ChannelDetectorError(`channel ${channel} of spacecraft ${spacecraft} has a detector this version does not know: ${JSON.stringify(definition.detector)}`);
    return definition.detector;
  } finally {
    await graph.stop((module, error) => logger.error({ err: error, module }, 'module failed to stop'));
    await lock?.release();
  }
}
