/**
 * A mission's definition as one document (see MissionDefinition), and what importing a
 * document would change, compared with the definition on record. Pure: the missions store
 * reads and writes, the console validates.
 */
import { fieldChanges } from './field-changes.ts';
import type { ChannelDefinition, DefinitionChange, GroundStationDefinition, Mission, MissionDefinition, Spacecraft } from './schemas.ts';

export type MissionSettings = Pick<Mission, 'name' | 'description' | 'autoRegisterChannels' | 'retentionDays'>;
export type SpacecraftSettings = Pick<Spacecraft, 'name' | 'tle'>;

/** The fields of a mission that a change can touch (not its id nor creation time). */
export function missionSettings(m: MissionDefinition['mission'] | Mission): MissionSettings {
  return { name: m.name, description: m.description, autoRegisterChannels: m.autoRegisterChannels ?? false, retentionDays: m.retentionDays };
}

export function spacecraftSettings(s: Pick<Spacecraft, 'name' | 'tle'>): SpacecraftSettings {
  return { name: s.name, tle: s.tle };
}

export type GroundStationSettings = Required<Omit<GroundStationDefinition, 'horizonMask'>> & Pick<GroundStationDefinition, 'horizonMask'>;

/** A ground station's settings, defaults filled in, in schema order (for histories and comparisons). */
export function groundStationSettings(g: GroundStationDefinition): GroundStationSettings {
  return {
    name: g.name, latitudeDeg: g.latitudeDeg, longitudeDeg: g.longitudeDeg, altitudeM: g.altitudeM ?? 0, elevationMaskDeg: g.elevationMaskDeg ?? 0,
    ...(g.horizonMask && { horizonMask: g.horizonMask.map((p) => ({ azimuthDeg: p.azimuthDeg, elevationDeg: p.elevationDeg })) }),
  };
}

/** A channel's definition without its name, identity or times. */
export function channelSettings(c: ChannelDefinition & Record<string, unknown>): ChannelDefinition {
  const { name: _name, spacecraft: _spacecraft, createdAt: _created, updatedAt: _updated, ...definition } = c;
  return definition as ChannelDefinition;
}

/** What applying `next` over `current` (undefined: no such mission yet) creates and updates, in document order. Nothing is deleted. */
export function definitionChanges(current: MissionDefinition | undefined, next: MissionDefinition): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const add = (entity: DefinitionChange['entity'], id: string, before: object | undefined, after: object) => {
    const fields = fieldChanges(before as Record<string, unknown> | undefined, after as Record<string, unknown>);
    if (fields.length) changes.push({ entity, id, action: before ? 'update' : 'create', fields });
  };
  add('mission', next.mission.id, current && missionSettings(current.mission), missionSettings(next.mission));
  const spacecraft = new Map((current?.spacecraft ?? []).map((s) => [s.id, s]));
  for (const s of next.spacecraft) {
    const before = spacecraft.get(s.id);
    add('spacecraft', s.id, before && spacecraftSettings(before), spacecraftSettings(s));
    const channels = new Map((before?.channels ?? []).map((c) => [c.name, c]));
    for (const c of s.channels) {
      const was = channels.get(c.name);
      add('channel', `${s.id}/${c.name}`, was && channelSettings(was), channelSettings(c));
    }
  }
  const stations = new Map((current?.groundStations ?? []).map((g) => [g.id, g]));
  for (const g of next.groundStations ?? []) {
    const was = stations.get(g.id);
    add('ground-station', g.id, was && groundStationSettings(was), groundStationSettings(g));
  }
  return changes;
}
