/**
 * The channel definitions (limits, staleness) the analyzer checks readings against, kept
 * per spacecraft and channel. Each processed batch names the revision of every channel
 * ingest checked its readings against; a definition is read from the mission database
 * only when the analyzer lacks it or holds an older revision, so a limit change counts
 * from the first reading ingested after it, without reading the catalogue per batch.
 */
import type { ChannelRef } from '../../core/messages.ts';
import type { RevisedChannel } from '../../stores/missions/catalog.ts';

/** Where missing definitions come from: MissionCatalog.channelsOf. */
export interface DefinitionSource {
  channelsOf(spacecraft: string, names: readonly string[]): Promise<RevisedChannel[]>;
}

export class ChannelDefinitions {
  readonly #source: DefinitionSource;
  readonly #held = new Map<string, Map<string, RevisedChannel>>();

  constructor(source: DefinitionSource) {
    this.#source = source;
  }

  /**
   * The definitions of `channels` of a spacecraft, each at least at the revision named
   * (0: any), with one read for all those missing or older. A channel the mission
   * database does not have is absent from the answer (and asked for again next time).
   */
  async of(spacecraft: string, channels: Iterable<Pick<ChannelRef, 'name' | 'revision'>>): Promise<ReadonlyMap<string, RevisedChannel>> {
    let held = this.#held.get(spacecraft);
    if (!held) this.#held.set(spacecraft, (held = new Map()));
    const wanted: string[] = [];
    for (const c of channels) {
      const have = held.get(c.name);
      if (!have || have.revision < c.revision) wanted.push(c.name);
    }
    if (wanted.length) {
      for (const c of await this.#source.channelsOf(spacecraft, wanted)) {
        const have = held.get(c.name);
        if (!have || have.revision <= c.revision) held.set(c.name, c);
      }
    }
    return held;
  }
}
