/**
 * The mission database's actions, one code path for the REST API and the console's forms:
 * each checks what the schema cannot say (TLE checksums, limit order, derived channels,
 * a type change under stored readings), calls the missions store with who acts, and fails
 * with the problem (status and an error per field) both then show.
 */
import { HttpProblem, badRequest, notFound, type FieldError } from '../../platform/problem.ts';
import { validateTle } from '../../core/orbit/tle.ts';
import { expressionProblems, type Definition } from '../../core/derived.ts';
import { channelSettings } from '../../core/mission-definition.ts';
import type {
  Channel, ChannelDefinition, DefinitionImport, GroundStation, GroundStationDefinition, Limits, Mission, MissionCreate, MissionDefinition, MissionPatch, Spacecraft, SpacecraftCreate, SpacecraftPatch,
} from '../../core/schemas.ts';
import type { ConsoleApi } from './api.ts';

type Stores = Pick<ConsoleApi, 'catalog' | 'telemetry'>;

/** Limits must nest: redLow <= yellowLow <= yellowHigh <= redHigh. */
function nestingProblems(l: Limits, at: string): FieldError[] {
  const order = (['redLow', 'yellowLow', 'yellowHigh', 'redHigh'] as const).filter((k) => l[k] !== undefined);
  const problems = [];
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1]!, order[i]!];
    if (l[a]! > l[b]!) problems.push({ pointer: `${at}/${b}`, detail: `must not be below ${a} (${l[a]})` });
  }
  return problems;
}

/** What the schema cannot say: limits nest, and the numeric checks apply to number channels only. */
function definitionProblems(def: ChannelDefinition, name: string, at = ''): FieldError[] {
  const problems = [];
  if (def.type !== 'number') {
    for (const field of ['limits', 'limitSets', 'debounce', 'detector', 'calibration'] as const) {
      if (def[field] !== undefined) problems.push({ pointer: `${at}/${field}`, detail: `applies to number channels, not ${def.type}` });
    }
    return problems;
  }
  if (def.limits) problems.push(...nestingProblems(def.limits, `${at}/limits`));
  def.limitSets?.forEach((set, i) => {
    problems.push(...nestingProblems(set.limits, `${at}/limitSets/${i}/limits`));
    if (set.when.channel === name) problems.push({ pointer: `${at}/limitSets/${i}/when/channel`, detail: 'must name another channel' });
  });
  if (def.debounce && def.debounce.samples === undefined && def.debounce.seconds === undefined) {
    problems.push({ pointer: `${at}/debounce`, detail: 'needs samples or seconds' });
  }
  return problems;
}

function tleProblems(tle: readonly [string, string] | null | undefined, at: string): FieldError[] {
  if (!tle) return [];
  return validateTle(tle[0], tle[1]).map((detail) => ({ pointer: detail.startsWith('line 2') ? `${at}/1` : `${at}/0`, detail }));
}

const prefixed = (problems: FieldError[], at: string) => problems.map((p) => ({ ...p, pointer: `${at}${p.pointer}` }));

/** The channel's type cannot change once it has readings of the old type. */
async function typeChangeProblem(stores: Stores, spacecraft: string, name: string, existing: { type: Channel['type'] } | undefined, def: ChannelDefinition, at = '') {
  if (!existing || existing.type === def.type || !(await stores.telemetry.hasReadings(spacecraft, name))) return undefined;
  return { message: `channel "${name}" has stored ${existing.type} readings; its type cannot change to ${def.type}`, error: { pointer: `${at}/type`, detail: `must stay ${existing.type}` } };
}

export async function createMission(stores: Stores, input: MissionCreate, by: string): Promise<Mission> {
  const mission = await stores.catalog.createMission(input, by);
  if (!mission) throw new HttpProblem(409, `mission "${input.id}" exists already`, { errors: [{ pointer: '/id', detail: 'is taken' }] });
  return mission;
}

export async function updateMission(stores: Stores, id: string, patch: MissionPatch, by: string): Promise<Mission> {
  const mission = await stores.catalog.updateMission(id, patch, by);
  if (!mission) throw notFound(`no mission "${id}"`);
  return mission;
}

export async function createSpacecraft(stores: Stores, input: SpacecraftCreate, by: string): Promise<Spacecraft> {
  const problems = tleProblems(input.tle, '/tle');
  if (problems.length) throw badRequest('invalid TLE', problems);
  const result = await stores.catalog.createSpacecraft(input, by);
  if (result === 'no-mission') throw new HttpProblem(404, `no mission "${input.missionId}"`, { errors: [{ pointer: '/missionId', detail: 'is not a known mission' }] });
  if (result === 'exists') throw new HttpProblem(409, `spacecraft "${input.id}" exists already`, { errors: [{ pointer: '/id', detail: 'is taken' }] });
  return result;
}

export async function updateSpacecraft(stores: Stores, id: string, patch: SpacecraftPatch, by: string): Promise<Spacecraft> {
  const problems = tleProblems(patch.tle, '/tle');
  if (problems.length) throw badRequest('invalid TLE', problems);
  const spacecraft = await stores.catalog.updateSpacecraft(id, patch, by);
  if (!spacecraft) throw notFound(`no spacecraft "${id}"`);
  return spacecraft;
}

export async function putChannel(stores: Stores, spacecraft: string, name: string, def: ChannelDefinition, by: string): Promise<{ channel: Channel; created: boolean }> {
  const problems = definitionProblems(def, name);
  if (problems.length) throw badRequest('invalid channel definition', problems);
  const view = await stores.catalog.spacecraft(spacecraft);
  if (!view) throw notFound(`no spacecraft "${spacecraft}"`);
  const derived = expressionProblems(name, def, view.channels);
  if (derived.length) throw badRequest('invalid channel definition', derived);
  const typeChange = await typeChangeProblem(stores, spacecraft, name, view.channels.get(name), def);
  if (typeChange) throw new HttpProblem(409, typeChange.message, { errors: [typeChange.error] });
  return stores.catalog.putChannel(spacecraft, name, def, by);
}

/** A horizon's azimuths must increase strictly: the points are joined in that order. */
function horizonProblems(def: GroundStationDefinition, at = ''): FieldError[] {
  const points = def.horizonMask ?? [];
  return points.flatMap((p, i) => (i > 0 && p.azimuthDeg <= points[i - 1]!.azimuthDeg
    ? [{ pointer: `${at}/horizonMask/${i}/azimuthDeg`, detail: `must be greater than the azimuth before it (${points[i - 1]!.azimuthDeg})` }]
    : []));
}

export async function putGroundStation(stores: Stores, missionId: string, id: string, def: GroundStationDefinition, by: string): Promise<{ station: GroundStation; created: boolean }> {
  const problems = horizonProblems(def);
  if (problems.length) throw badRequest('invalid ground station', problems);
  const result = await stores.catalog.putGroundStation(missionId, id, def, by);
  if (result === 'no-mission') throw notFound(`no mission "${missionId}"`);
  return result;
}

export async function deleteGroundStation(stores: Stores, missionId: string, id: string, by: string): Promise<void> {
  const result = await stores.catalog.deleteGroundStation(missionId, id, by);
  if (result === 'no-mission') throw notFound(`no mission "${missionId}"`);
  if (result === 'no-station') throw notFound(`no ground station "${id}" in mission "${missionId}"`);
}

/** Every problem of a definition document the schema accepted, each with its pointer into the document. */
async function documentProblems(stores: Stores, missionId: string, doc: MissionDefinition): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  if (doc.mission.id !== missionId) problems.push({ pointer: '/mission/id', detail: `must be the mission imported into ("${missionId}")` });
  const seen = new Set<string>();
  for (const [i, s] of doc.spacecraft.entries()) {
    const at = `/spacecraft/${i}`;
    if (seen.has(s.id)) problems.push({ pointer: `${at}/id`, detail: 'appears twice' });
    seen.add(s.id);
    const view = await stores.catalog.spacecraft(s.id);
    if (view && view.spacecraft.missionId !== missionId) problems.push({ pointer: `${at}/id`, detail: `belongs to mission "${view.spacecraft.missionId}"` });
    problems.push(...tleProblems(s.tle, `${at}/tle`));
    // Derived channels may read channels on record and channels of the document alike.
    const channels = new Map<string, Definition>(view?.channels ?? []);
    for (const c of s.channels) channels.set(c.name, c);
    const names = new Set<string>();
    for (const [j, c] of s.channels.entries()) {
      const cat = `${at}/channels/${j}`;
      if (names.has(c.name)) problems.push({ pointer: `${cat}/name`, detail: 'appears twice' });
      names.add(c.name);
      const def = channelSettings(c);
      problems.push(...definitionProblems(def, c.name, cat), ...prefixed(expressionProblems(c.name, def, channels), cat));
      const typeChange = await typeChangeProblem(stores, s.id, c.name, view?.channels.get(c.name), def, cat);
      if (typeChange) problems.push(typeChange.error);
    }
  }
  const stations = new Set<string>();
  for (const [i, g] of (doc.groundStations ?? []).entries()) {
    if (stations.has(g.id)) problems.push({ pointer: `/groundStations/${i}/id`, detail: 'appears twice' });
    stations.add(g.id);
    problems.push(...horizonProblems(g, `/groundStations/${i}`));
  }
  return problems;
}

export const IMPORT_NOTE = 'Spacecraft, channels and ground stations absent from the document are left as they are: an import never deletes.';

/** Validates the whole document, then applies it in one transaction (unless a dry run); either way answers what it changes. */
export async function importDefinition(stores: Stores, missionId: string, doc: MissionDefinition, options: { by: string; dryRun: boolean }): Promise<DefinitionImport> {
  const problems = await documentProblems(stores, missionId, doc);
  if (problems.length) throw badRequest('invalid mission definition; nothing was imported', problems);
  const changes = await stores.catalog.importDefinition(doc, options);
  return { applied: !options.dryRun && changes.length > 0, changes, note: IMPORT_NOTE };
}
