/**
 * The change history of the mission database (table mission_changes). Only the missions
 * store writes it, inside the transaction of the change it records.
 */
import type { SqlExecutor } from '../../engines/sql/port.ts';
import type { ChangeAction, ChangeEntry, ChangedEntity, FieldChange } from '../../core/schemas.ts';
import { toIso } from '../../core/time.ts';

export interface ChangeRecord {
  by: string;
  action: ChangeAction;
  entity: ChangedEntity;
  mission: string;
  spacecraft?: string;
  channel?: string;
  groundStation?: string;
  changes: FieldChange[];
}

/** A mission's history holds its spacecraft's and channels' changes too; a spacecraft's, its channels'. */
export type HistoryScope = { mission: string } | { spacecraft: string; channel?: string };

interface ChangeRow { at: Date; by: string; action: ChangeAction; entity: ChangedEntity; mission_id: string; spacecraft_id: string | null; channel: string | null; ground_station: string | null; changes: FieldChange[] }

/** Records a change that changed something; a change of nothing leaves no entry. */
export async function recordChange(tx: SqlExecutor, c: ChangeRecord): Promise<void> {
  if (!c.changes.length) return;
  await tx.query(
    'INSERT INTO mission_changes (by, action, entity, mission_id, spacecraft_id, channel, ground_station, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    // As JSON text: the drivers would send a JavaScript array as a PostgreSQL array.
    [c.by, c.action, c.entity, c.mission, c.spacecraft ?? null, c.channel ?? null, c.groundStation ?? null, JSON.stringify(c.changes)],
  );
}

/** Newest first. */
export async function readHistory(sql: SqlExecutor, scope: HistoryScope, limit: number): Promise<ChangeEntry[]> {
  const { rows } = 'mission' in scope
    ? await sql.query<ChangeRow>('SELECT * FROM mission_changes WHERE mission_id = $1 ORDER BY seq DESC LIMIT $2', [scope.mission, limit])
    : scope.channel === undefined
      ? await sql.query<ChangeRow>('SELECT * FROM mission_changes WHERE spacecraft_id = $1 ORDER BY seq DESC LIMIT $2', [scope.spacecraft, limit])
      : await sql.query<ChangeRow>('SELECT * FROM mission_changes WHERE spacecraft_id = $1 AND channel = $2 ORDER BY seq DESC LIMIT $3', [scope.spacecraft, scope.channel, limit]);
  return rows.map((r) => ({
    at: toIso(r.at), by: r.by, action: r.action, entity: r.entity, mission: r.mission_id,
    ...(r.spacecraft_id !== null && { spacecraft: r.spacecraft_id }), ...(r.channel !== null && { channel: r.channel }),
    ...(r.ground_station != null && { groundStation: r.ground_station }), changes: r.changes,
  }));
}
