/**
 * The mission database: missions, spacecraft and their channel definitions, in the
 * relational store. Ingest reads channel definitions on every batch, so they are cached;
 * the cache expires quickly because other processes may change definitions when targets
 * run apart. Each definition carries a revision that grows with every change: the later
 * stages learn from the messages which revision a reading was checked against. Every change
 * is recorded in the change history (history.ts) in its own transaction.
 */
import { UniqueViolationError, type SqlExecutor, type SqlStore } from '../../engines/sql/port.ts';
import { ANONYMOUS, ChannelDefinition as ChannelDefinitionSchema, MissionDefinition as MissionDefinitionSchema } from '../../core/schemas.ts';
import type {
  ChangeAction, ChangeEntry, Channel, ChannelDefinition, DefinitionChange, GroundStation, GroundStationDefinition, Mission, MissionCreate, MissionDefinition, MissionPatch, Spacecraft, SpacecraftCreate, SpacecraftPatch,
} from '../../core/schemas.ts';
import { fieldChanges, inSchemaOrder } from '../../core/field-changes.ts';
import { channelSettings, definitionChanges, groundStationSettings, missionSettings, spacecraftSettings, type MissionSettings, type SpacecraftSettings } from '../../core/mission-definition.ts';
import { readHistory, recordChange, type HistoryScope } from './history.ts';
import { readGroundStations, removeGroundStation, writeGroundStation } from './ground-stations.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';
import { HttpProblem, type FieldError } from '../../platform/problem.ts';

/** How much the mission database holds at most; past it a definition is refused (409) and nothing is written. */
export interface CatalogCaps {
  maxSpacecraft: number;
  maxChannelsPerSpacecraft: number;
}

const UNCAPPED: CatalogCaps = { maxSpacecraft: Infinity, maxChannelsPerSpacecraft: Infinity };

/** A refusal because a cap is reached: 409, naming the variable and its value. */
export function capReached(what: string, variable: string, limit: number, errors: FieldError[] = []): HttpProblem {
  return new HttpProblem(409, `${what}: the most ${variable} allows is ${limit}`, { errors });
}

/** A channel definition and its revision: 1 when created, one more after each change. */
export interface RevisedChannel extends Channel {
  revision: number;
}

export interface SpacecraftView {
  spacecraft: Spacecraft;
  autoRegisterChannels: boolean;
  channels: Map<string, RevisedChannel>;
}

interface MissionRow { id: string; name: string; description: string | null; auto_register_channels: boolean; retention_days: number | null; created_at: Date }
interface SpacecraftRow { id: string; mission_id: string; name: string; tle_line1: string | null; tle_line2: string | null; created_at: Date }
interface ChannelRow {
  spacecraft_id: string; name: string; type: Channel['type']; unit: string | null; description: string | null;
  calibration: Channel['calibration'] | null; limits: Channel['limits'] | null; stale_after_seconds: number | null; expression: string | null;
  limit_sets: Channel['limitSets'] | null; debounce: Channel['debounce'] | null; return_to_normal: Channel['returnToNormal'] | null; detector: Channel['detector'] | null;
  created_at: Date; updated_at: Date; revision: number;
}

const missionOf = (r: MissionRow): Mission => ({
  id: r.id, name: r.name, ...(r.description !== null && { description: r.description }), autoRegisterChannels: r.auto_register_channels,
  ...(r.retention_days !== null && { retentionDays: r.retention_days }), createdAt: toIso(r.created_at),
});
const spacecraftOf = (r: SpacecraftRow): Spacecraft => ({
  id: r.id, missionId: r.mission_id, name: r.name, ...(r.tle_line1 && r.tle_line2 && { tle: [r.tle_line1, r.tle_line2] as [string, string] }), createdAt: toIso(r.created_at),
});
const channelOf = (r: ChannelRow): Channel => ({
  spacecraft: r.spacecraft_id, name: r.name, type: r.type,
  ...(r.unit !== null && { unit: r.unit }),
  ...(r.description !== null && { description: r.description }),
  ...(r.calibration && { calibration: r.calibration }),
  ...(r.limits && { limits: r.limits }),
  ...(r.limit_sets && { limitSets: r.limit_sets }),
  ...(r.debounce && { debounce: r.debounce }),
  ...(r.return_to_normal !== null && { returnToNormal: r.return_to_normal }),
  ...(r.detector && { detector: r.detector }),
  ...(r.stale_after_seconds !== null && { staleAfterSeconds: r.stale_after_seconds }),
  ...(r.expression !== null && { expression: r.expression }),
  createdAt: toIso(r.created_at), updatedAt: toIso(r.updated_at),
});
const revisedChannelOf = (r: ChannelRow): RevisedChannel => ({ ...channelOf(r), revision: r.revision });

const isUniqueViolation = (error: unknown) => error instanceof UniqueViolationError;

/** A patch's nulls remove a setting: undefined, as the records leave unset settings out. */
function withoutNulls<T extends object>(patch: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, v ?? undefined])) as { [K in keyof T]: Exclude<T[K], null> };
}

export class MissionCatalog {
  readonly #sql: SqlStore;
  readonly #ttlMs: number;
  readonly #caps: CatalogCaps;
  readonly #cache = new Map<string, { view: SpacecraftView | undefined; at: number; pending?: Promise<SpacecraftView | undefined> }>();

  constructor(sql: SqlStore, options: { cacheTtlMs?: number; caps?: Partial<CatalogCaps> } = {}) {
    this.#sql = sql;
    this.#ttlMs = options.cacheTtlMs ?? 2000;
    this.#caps = { ...UNCAPPED, ...options.caps };
  }

  get caps(): CatalogCaps {
    return this.#caps;
  }

  /**
   * Refuses `adding` more spacecraft past the cap. Creators are serialized on the table's
   * lock (spacecraft are created rarely), so two at once cannot both take the last place.
   */
  async #checkSpacecraftRoom(tx: SqlExecutor, adding: number, errors: FieldError[]): Promise<void> {
    if (!adding || this.#caps.maxSpacecraft === Infinity) return;
    await tx.query('LOCK TABLE spacecraft IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM spacecraft');
    const held = rows[0]!.n;
    if (held + adding > this.#caps.maxSpacecraft) {
      throw capReached(`the installation holds ${held} spacecraft and this would add ${adding}`, 'ORBIT_MAX_SPACECRAFT', this.#caps.maxSpacecraft, errors);
    }
  }

  /** Refuses new channels of a spacecraft past the cap; the caller holds the spacecraft's row lock. */
  async #checkChannelRoom(tx: SqlExecutor, spacecraftId: string, names: readonly string[], errors: (missing: string[]) => FieldError[]): Promise<void> {
    if (!names.length || this.#caps.maxChannelsPerSpacecraft === Infinity) return;
    const { rows } = await tx.query<{ n: number; known: string[] | null }>(
      'SELECT count(*)::int AS n, array_agg(name) FILTER (WHERE name = ANY($2::text[])) AS known FROM channels WHERE spacecraft_id = $1',
      [spacecraftId, names],
    );
    const known = new Set(rows[0]!.known ?? []);
    const missing = names.filter((n) => !known.has(n));
    const held = rows[0]!.n;
    if (missing.length && held + missing.length > this.#caps.maxChannelsPerSpacecraft) {
      throw capReached(
        `spacecraft "${spacecraftId}" has ${held} channels and this would add ${missing.length} (${missing.slice(0, 10).map((n) => `"${n}"`).join(', ')}${missing.length > 10 ? ', ...' : ''})`,
        'ORBIT_MAX_CHANNELS_PER_SPACECRAFT', this.#caps.maxChannelsPerSpacecraft, errors(missing),
      );
    }
  }

  /** Undefined when the id exists already. */
  async createMission(input: MissionCreate, by: string = ANONYMOUS): Promise<Mission | undefined> {
    try {
      return await this.#sql.transaction(async (tx) => {
        await this.#writeMission(tx, input, undefined, { by, action: 'create' });
        return missionOf((await tx.query<MissionRow>('SELECT * FROM missions WHERE id = $1', [input.id])).rows[0]!);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /** Undefined when there is no such mission. */
  async updateMission(id: string, patch: MissionPatch, by: string = ANONYMOUS): Promise<Mission | undefined> {
    // Every cached spacecraft view carries its mission's autoRegisterChannels.
    this.#cache.clear();
    return this.#sql.transaction(async (tx) => {
      const { rows } = await tx.query<MissionRow>('SELECT * FROM missions WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return undefined;
      const current = missionOf(rows[0]);
      await this.#writeMission(tx, { ...current, ...withoutNulls(patch) }, missionSettings(current), { by, action: 'update' });
      return missionOf((await tx.query<MissionRow>('SELECT * FROM missions WHERE id = $1', [id])).rows[0]!);
    });
  }

  /**
   * Inserts the mission (`before` undefined; a taken id raises UniqueViolationError) or
   * updates it if anything differs from `before`, and records what changed.
   */
  async #writeMission(tx: SqlExecutor, next: MissionDefinition['mission'], before: MissionSettings | undefined, how: { by: string; action: ChangeAction }): Promise<void> {
    const changes = fieldChanges(before, missionSettings(next));
    if (before && !changes.length) return;
    await tx.query(
      before
        ? 'UPDATE missions SET name = $2, description = $3, auto_register_channels = $4, retention_days = $5 WHERE id = $1'
        : 'INSERT INTO missions (id, name, description, auto_register_channels, retention_days) VALUES ($1, $2, $3, $4, $5)',
      [next.id, next.name, next.description ?? null, next.autoRegisterChannels ?? false, next.retentionDays ?? null],
    );
    await recordChange(tx, { ...how, entity: 'mission', mission: next.id, changes });
  }

  async listMissions(): Promise<Mission[]> {
    return (await this.#sql.query<MissionRow>('SELECT * FROM missions ORDER BY id')).rows.map(missionOf);
  }

  async getMission(id: string): Promise<Mission | undefined> {
    const { rows } = await this.#sql.query<MissionRow>('SELECT * FROM missions WHERE id = $1', [id]);
    return rows[0] && missionOf(rows[0]);
  }

  /** 'exists' when the id is taken, 'no-mission' when the mission is unknown. */
  async createSpacecraft(input: SpacecraftCreate, by: string = ANONYMOUS): Promise<Spacecraft | 'exists' | 'no-mission'> {
    if (!(await this.getMission(input.missionId))) return 'no-mission';
    try {
      return await this.#sql.transaction(async (tx) => {
        await this.#checkSpacecraftRoom(tx, 1, [{ pointer: '/id', detail: 'would be one spacecraft too many' }]);
        await this.#writeSpacecraft(tx, input, undefined, { by, action: 'create' });
        return spacecraftOf((await tx.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE id = $1', [input.id])).rows[0]!);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    } finally {
      this.#cache.delete(input.id);
    }
  }

  /** Undefined when there is no such spacecraft. */
  async updateSpacecraft(id: string, patch: SpacecraftPatch, by: string = ANONYMOUS): Promise<Spacecraft | undefined> {
    try {
      return await this.#sql.transaction(async (tx) => {
        const { rows } = await tx.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE id = $1 FOR UPDATE', [id]);
        if (!rows[0]) return undefined;
        const current = spacecraftOf(rows[0]);
        await this.#writeSpacecraft(tx, { ...current, ...withoutNulls(patch) }, spacecraftSettings(current), { by, action: 'update' });
        return spacecraftOf((await tx.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE id = $1', [id])).rows[0]!);
      });
    } finally {
      this.#cache.delete(id);
    }
  }

  /** Like #writeMission: inserts (`before` undefined) or updates what differs, and records it. */
  async #writeSpacecraft(tx: SqlExecutor, next: SpacecraftSettings & { id: string; missionId: string }, before: SpacecraftSettings | undefined, how: { by: string; action: ChangeAction }): Promise<void> {
    const changes = fieldChanges(before, spacecraftSettings(next));
    if (before && !changes.length) return;
    await tx.query(
      before
        ? 'UPDATE spacecraft SET name = $3, tle_line1 = $4, tle_line2 = $5 WHERE id = $1 AND mission_id = $2'
        : 'INSERT INTO spacecraft (id, mission_id, name, tle_line1, tle_line2) VALUES ($1, $2, $3, $4, $5)',
      [next.id, next.missionId, next.name, next.tle?.[0] ?? null, next.tle?.[1] ?? null],
    );
    await recordChange(tx, { ...how, entity: 'spacecraft', mission: next.missionId, spacecraft: next.id, changes });
  }

  async listSpacecraft(missionId?: string): Promise<Spacecraft[]> {
    const { rows } = missionId
      ? await this.#sql.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE mission_id = $1 ORDER BY id', [missionId])
      : await this.#sql.query<SpacecraftRow>('SELECT * FROM spacecraft ORDER BY id');
    return rows.map(spacecraftOf);
  }

  async getSpacecraft(id: string): Promise<Spacecraft | undefined> {
    const { rows } = await this.#sql.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE id = $1', [id]);
    return rows[0] && spacecraftOf(rows[0]);
  }

  /**
   * Creates or replaces a channel definition of an existing spacecraft; `created` tells
   * which. A replacement that changes anything raises the revision; the same definition
   * again keeps it.
   */
  async putChannel(spacecraftId: string, name: string, definition: ChannelDefinition, by: string = ANONYMOUS): Promise<{ channel: Channel; created: boolean }> {
    try {
      return await this.#sql.transaction((tx) => this.#writeChannel(tx, spacecraftId, name, definition, by, 'update'));
    } finally {
      this.#cache.delete(spacecraftId);
    }
  }

  /** `action` 'update' records 'create' for a new channel. */
  async #writeChannel(tx: SqlExecutor, spacecraftId: string, name: string, definition: ChannelDefinition, by: string, action: 'update' | 'import') {
    const { rows: before } = await tx.query<ChannelRow & { mission_id: string }>(
      `SELECT c.*, s.mission_id FROM spacecraft s LEFT JOIN channels c ON c.spacecraft_id = s.id AND c.name = $2 WHERE s.id = $1 FOR UPDATE OF s`,
      [spacecraftId, name],
    );
    if (before[0]?.name == null) await this.#checkChannelRoom(tx, spacecraftId, [name], () => [{ pointer: action === 'import' ? '/spacecraft' : '/name', detail: `channel "${name}" would be one too many` }]);
    const { rows } = await tx.query<ChannelRow & { inserted: boolean }>(
      `INSERT INTO channels (spacecraft_id, name, type, unit, description, calibration, limits, stale_after_seconds, limit_sets, debounce, return_to_normal, detector, expression)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (spacecraft_id, name) DO UPDATE SET
         type = excluded.type, unit = excluded.unit, description = excluded.description, calibration = excluded.calibration,
         limits = excluded.limits, stale_after_seconds = excluded.stale_after_seconds, limit_sets = excluded.limit_sets,
         debounce = excluded.debounce, return_to_normal = excluded.return_to_normal, detector = excluded.detector, expression = excluded.expression, updated_at = now(),
         revision = channels.revision + CASE WHEN
           (channels.type, channels.unit, channels.description, channels.calibration, channels.limits, channels.stale_after_seconds,
            channels.limit_sets, channels.debounce, channels.return_to_normal, channels.detector, channels.expression)
           IS DISTINCT FROM (excluded.type, excluded.unit, excluded.description, excluded.calibration, excluded.limits, excluded.stale_after_seconds,
            excluded.limit_sets, excluded.debounce, excluded.return_to_normal, excluded.detector, excluded.expression)
           THEN 1 ELSE 0 END
       RETURNING *, (xmax = 0) AS inserted`,
      [spacecraftId, name, definition.type, definition.unit ?? null, definition.description ?? null,
        definition.calibration ?? null, definition.limits ?? null, definition.staleAfterSeconds ?? null,
        // Arrays go to jsonb as JSON text: the drivers would send a JavaScript array as a PostgreSQL array.
        definition.limitSets ? JSON.stringify(definition.limitSets) : null, definition.debounce ?? null, definition.returnToNormal ?? null, definition.detector ?? null,
        definition.expression ?? null],
    );
    const channel = channelOf(rows[0]!);
    // In schema order, as JSONB orders keys its own way: a history lists limits low to high.
    const settings = (c: Channel) => inSchemaOrder(ChannelDefinitionSchema, channelSettings(c)) as Record<string, unknown>;
    const old = before[0]?.name != null ? settings(channelOf(before[0])) : undefined;
    await recordChange(tx, {
      by, action: action === 'import' ? 'import' : old ? 'update' : 'create', entity: 'channel', mission: before[0]!.mission_id, spacecraft: spacecraftId, channel: name,
      changes: fieldChanges(old, settings(channel)),
    });
    return { channel, created: rows[0]!.inserted };
  }

  /** Channels that do not exist yet are created (recorded as created by ingest); existing ones are left as they are. */
  async registerChannels(spacecraftId: string, channels: { name: string; type: Channel['type'] }[]): Promise<void> {
    if (!channels.length) return;
    await this.#sql.transaction(async (tx) => {
      // The spacecraft's row lock orders this with every other writer of its channels.
      await tx.query('SELECT 1 FROM spacecraft WHERE id = $1 FOR UPDATE', [spacecraftId]);
      await this.#checkChannelRoom(tx, spacecraftId, channels.map((c) => c.name), (missing) => missing.map((n) => ({ pointer: '/', detail: `channel "${n}" would be one too many` })));
      const { rows } = await tx.query<{ name: string; type: string; mission_id: string }>(
        `INSERT INTO channels (spacecraft_id, name, type) SELECT $1, n, t FROM unnest($2::text[], $3::text[]) AS u(n, t)
         ON CONFLICT (spacecraft_id, name) DO NOTHING
         RETURNING name, type, (SELECT mission_id FROM spacecraft WHERE id = $1) AS mission_id`,
        [spacecraftId, channels.map((c) => c.name), channels.map((c) => c.type)],
      );
      for (const r of rows) {
        await recordChange(tx, { by: 'ingest', action: 'create', entity: 'channel', mission: r.mission_id, spacecraft: spacecraftId, channel: r.name, changes: fieldChanges(undefined, { type: r.type }) });
      }
    });
    this.#cache.delete(spacecraftId);
  }

  /** A mission's ground stations by id; undefined when there is no such mission. */
  async groundStations(missionId: string): Promise<GroundStation[] | undefined> {
    if (!(await this.getMission(missionId))) return undefined;
    return readGroundStations(this.#sql, missionId);
  }

  /** Creates or replaces a ground station; 'no-mission' when the mission is unknown. */
  async putGroundStation(missionId: string, id: string, definition: GroundStationDefinition, by: string = ANONYMOUS): Promise<{ station: GroundStation; created: boolean } | 'no-mission'> {
    return this.#sql.transaction(async (tx) => {
      // The mission's row lock orders this with an import of the mission's definition.
      const { rows } = await tx.query('SELECT 1 FROM missions WHERE id = $1 FOR UPDATE', [missionId]);
      if (!rows[0]) return 'no-mission';
      return writeGroundStation(tx, missionId, id, definition, { by, action: 'update' });
    });
  }

  /** 'deleted', 'no-station' or 'no-mission'. */
  async deleteGroundStation(missionId: string, id: string, by: string = ANONYMOUS): Promise<'deleted' | 'no-station' | 'no-mission'> {
    return this.#sql.transaction(async (tx) => {
      const { rows } = await tx.query('SELECT 1 FROM missions WHERE id = $1 FOR UPDATE', [missionId]);
      if (!rows[0]) return 'no-mission';
      return (await removeGroundStation(tx, missionId, id, by)) ? 'deleted' : 'no-station';
    });
  }

  /** Newest first. */
  history(scope: HistoryScope, limit = 200): Promise<ChangeEntry[]> {
    return readHistory(this.#sql, scope, limit);
  }

  /** The mission's whole definition, keys in schema order; undefined when there is no such mission. */
  async definition(missionId: string, tx: SqlExecutor = this.#sql): Promise<MissionDefinition | undefined> {
    const { rows: [mission] } = await tx.query<MissionRow>('SELECT * FROM missions WHERE id = $1', [missionId]);
    if (!mission) return undefined;
    const { rows: spacecraft } = await tx.query<SpacecraftRow>('SELECT * FROM spacecraft WHERE mission_id = $1 ORDER BY id', [missionId]);
    const { rows: channels } = await tx.query<ChannelRow>(
      'SELECT c.* FROM channels c JOIN spacecraft s ON s.id = c.spacecraft_id WHERE s.mission_id = $1 ORDER BY c.spacecraft_id, c.name',
      [missionId],
    );
    const { createdAt: _created, ...m } = missionOf(mission);
    const document: MissionDefinition = {
      version: 1,
      mission: m,
      spacecraft: spacecraft.map((row) => {
        const { missionId: _mission, createdAt: _at, ...s } = spacecraftOf(row);
        return { ...s, channels: channels.filter((c) => c.spacecraft_id === row.id).map((c) => ({ name: c.name, ...channelSettings(channelOf(c)) })) };
      }),
    };
    // Left out when there are none, so definitions from before ground stations read the same.
    const stations = await readGroundStations(tx, missionId);
    if (stations.length) document.groundStations = stations.map((g) => ({ id: g.id, ...groundStationSettings(g) }));
    return inSchemaOrder(MissionDefinitionSchema, document) as MissionDefinition;
  }

  /**
   * Imports a whole definition in one transaction: what differs is created or updated and
   * recorded with action 'import'; spacecraft and channels the document leaves out stay.
   * A dry run answers the same changes and writes nothing. The caller has validated it.
   */
  async importDefinition(document: MissionDefinition, options: { by: string; dryRun: boolean }): Promise<DefinitionChange[]> {
    const how = { by: options.by, action: 'import' as const };
    const apply = () =>
      this.#sql.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM missions WHERE id = $1 FOR UPDATE', [document.mission.id]);
        const current = await this.definition(document.mission.id, tx);
        const changes = definitionChanges(current, document);
        if (!changes.length) return changes;
        const known = new Map((current?.spacecraft ?? []).map((s) => [s.id, s]));
        // A dry run says whether the import would pass the caps, too.
        await this.#checkImportRoom(tx, document, known);
        if (options.dryRun) return changes;
        await this.#writeMission(tx, document.mission, current && missionSettings(current.mission), how);
        for (const s of document.spacecraft) {
          const before = known.get(s.id);
          await this.#writeSpacecraft(tx, { ...s, missionId: document.mission.id }, before && spacecraftSettings(before), how);
          const channels = new Map((before?.channels ?? []).map((c) => [c.name, c]));
          for (const c of s.channels) {
            const was = channels.get(c.name);
            if (was && !fieldChanges(channelSettings(was) as Record<string, unknown>, channelSettings(c) as Record<string, unknown>).length) continue;
            await this.#writeChannel(tx, s.id, c.name, channelSettings(c), options.by, 'import');
          }
        }
        for (const g of document.groundStations ?? []) {
          const { id, ...definition } = g;
          await writeGroundStation(tx, document.mission.id, id, definition, how);
        }
        return changes;
      });
    try {
      return await apply().catch((error: unknown) => {
        // Two imports that create the same mission (or spacecraft) at once: the one that lost
        // the race runs again, now against what the other wrote, under the mission's row lock.
        if (isUniqueViolation(error)) return apply();
        throw error;
      });
    } finally {
      // The mission's autoRegisterChannels may have changed for all its spacecraft.
      this.#cache.clear();
    }
  }

  /** The caps, checked for a whole document before anything of it is written; each refusal names the document's entries. */
  async #checkImportRoom(tx: SqlExecutor, document: MissionDefinition, known: Map<string, MissionDefinition['spacecraft'][number]>): Promise<void> {
    const added = document.spacecraft.flatMap((s, i) => (known.has(s.id) ? [] : [{ pointer: `/spacecraft/${i}/id`, detail: 'would be one spacecraft too many' }]));
    await this.#checkSpacecraftRoom(tx, added.length, added);
    for (const [i, s] of document.spacecraft.entries()) {
      if (!known.has(s.id)) {
        if (s.channels.length > this.#caps.maxChannelsPerSpacecraft) {
          throw capReached(`spacecraft "${s.id}" would have ${s.channels.length} channels`, 'ORBIT_MAX_CHANNELS_PER_SPACECRAFT', this.#caps.maxChannelsPerSpacecraft, [{ pointer: `/spacecraft/${i}/channels`, detail: 'holds too many channels' }]);
        }
        continue;
      }
      await tx.query('SELECT 1 FROM spacecraft WHERE id = $1 FOR UPDATE', [s.id]);
      const names = s.channels.map((c) => c.name);
      await this.#checkChannelRoom(tx, s.id, names, (missing) => missing.map((n) => ({ pointer: `/spacecraft/${i}/channels/${names.indexOf(n)}/name`, detail: 'would be one channel too many' })));
    }
  }

  /** Channels with a staleness interval, across every spacecraft. */
  async channelsWithStaleness(): Promise<{ spacecraft: string; channel: string; staleAfterSeconds: number }[]> {
    const { rows } = await this.#sql.query<{ spacecraft_id: string; name: string; stale_after_seconds: number }>(
      'SELECT spacecraft_id, name, stale_after_seconds FROM channels WHERE stale_after_seconds IS NOT NULL',
    );
    return rows.map((r) => ({ spacecraft: r.spacecraft_id, channel: r.name, staleAfterSeconds: r.stale_after_seconds }));
  }

  /** A spacecraft's TLE: null when it has none, undefined when there is no such spacecraft. */
  async tle(spacecraftId: string): Promise<[string, string] | null | undefined> {
    const { rows } = await this.#sql.query<{ tle_line1: string | null; tle_line2: string | null }>('SELECT tle_line1, tle_line2 FROM spacecraft WHERE id = $1', [spacecraftId]);
    if (!rows[0]) return undefined;
    return rows[0].tle_line1 && rows[0].tle_line2 ? [rows[0].tle_line1, rows[0].tle_line2] : null;
  }

  async listChannels(spacecraftId: string): Promise<Channel[]> {
    return (await this.#channels(spacecraftId)).map(channelOf);
  }

  /**
   * The current definitions of some channels of a spacecraft, read past the cache in one
   * query: for a stage that keeps definitions itself and reads only those it lacks.
   * Channels that do not exist are left out.
   */
  async channelsOf(spacecraftId: string, names: readonly string[]): Promise<RevisedChannel[]> {
    if (!names.length) return [];
    const { rows } = await this.#sql.query<ChannelRow>('SELECT * FROM channels WHERE spacecraft_id = $1 AND name = ANY($2::text[])', [spacecraftId, names]);
    return rows.map(revisedChannelOf);
  }

  /** A spacecraft with its channels, from the cache when fresh. Concurrent misses share one query. */
  async spacecraft(id: string): Promise<SpacecraftView | undefined> {
    const hit = this.#cache.get(id);
    const now = Date.now();
    if (hit && now - hit.at < this.#ttlMs) return hit.pending ?? hit.view;
    const pending = this.#load(id);
    this.#cache.set(id, { view: hit?.view, at: now, pending });
    try {
      const view = await pending;
      // Only what exists is kept: ids that do not would grow the cache with every one asked for.
      if (this.#cache.get(id)?.pending === pending) {
        if (view) this.#cache.set(id, { view, at: now });
        else this.#cache.delete(id);
      }
      return view;
    } catch (error) {
      this.#cache.delete(id);
      throw error;
    }
  }

  /**
   * Like spacecraft(), but a cached view that lacks the spacecraft or one of `channels` is
   * read again, so a definition just made through another process counts at once.
   */
  async spacecraftWith(id: string, channels: Iterable<string>): Promise<SpacecraftView | undefined> {
    const hit = this.#cache.get(id);
    const cached = hit !== undefined && Date.now() - hit.at < this.#ttlMs;
    const view = await this.spacecraft(id);
    if (!cached || (view && hasAll(view, channels))) return view;
    this.#cache.delete(id);
    return this.spacecraft(id);
  }

  async #channels(spacecraftId: string): Promise<ChannelRow[]> {
    return (await this.#sql.query<ChannelRow>('SELECT * FROM channels WHERE spacecraft_id = $1 ORDER BY name', [spacecraftId])).rows;
  }

  async #load(id: string): Promise<SpacecraftView | undefined> {
    const { rows } = await this.#sql.query<SpacecraftRow & { auto_register_channels: boolean }>(
      'SELECT s.*, m.auto_register_channels FROM spacecraft s JOIN missions m ON m.id = s.mission_id WHERE s.id = $1',
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const channels = new Map((await this.#channels(id)).map((r) => [r.name, revisedChannelOf(r)]));
    return { spacecraft: spacecraftOf(row), autoRegisterChannels: row.auto_register_channels, channels };
  }
}

function hasAll(view: SpacecraftView, channels: Iterable<string>): boolean {
  for (const c of channels) if (!view.channels.has(c)) return false;
  return true;
}

/** The mission database: the only reader and writer of missions, spacecraft and channels. */
export const MISSIONS = service<MissionCatalog>('missions');
