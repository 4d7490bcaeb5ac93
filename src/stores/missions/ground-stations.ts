/**
 * Ground stations of a mission (table ground_stations), read and written for the missions
 * store inside its transactions, each change recorded in the mission's change history.
 */
import type { SqlExecutor } from '../../engines/sql/port.ts';
import type { ChangeAction, GroundStation, GroundStationDefinition, HorizonPoint } from '../../core/schemas.ts';
import { fieldChanges } from '../../core/field-changes.ts';
import { groundStationSettings } from '../../core/mission-definition.ts';
import { recordChange } from './history.ts';
import { toIso } from '../../core/time.ts';

interface StationRow {
  mission_id: string; id: string; name: string; latitude_deg: number; longitude_deg: number; altitude_m: number; elevation_mask_deg: number;
  horizon_mask: HorizonPoint[] | null; created_at: Date; updated_at: Date;
}

const stationOf = (r: StationRow): GroundStation => ({
  id: r.id, missionId: r.mission_id, name: r.name, latitudeDeg: r.latitude_deg, longitudeDeg: r.longitude_deg, altitudeM: r.altitude_m,
  elevationMaskDeg: r.elevation_mask_deg, ...(r.horizon_mask && { horizonMask: r.horizon_mask.map((p) => ({ azimuthDeg: p.azimuthDeg, elevationDeg: p.elevationDeg })) }),
  createdAt: toIso(r.created_at), updatedAt: toIso(r.updated_at),
});

/** Ordered by id. */
export async function readGroundStations(sql: SqlExecutor, missionId: string): Promise<GroundStation[]> {
  return (await sql.query<StationRow>('SELECT * FROM ground_stations WHERE mission_id = $1 ORDER BY id', [missionId])).rows.map(stationOf);
}

/**
 * Creates or replaces a station (settings left out take their defaults) and records what
 * changed; replacing it with the same settings changes nothing, not even updated_at.
 */
export async function writeGroundStation(
  tx: SqlExecutor, missionId: string, id: string, definition: GroundStationDefinition, how: { by: string; action: ChangeAction },
): Promise<{ station: GroundStation; created: boolean }> {
  const { rows: [row] } = await tx.query<StationRow>('SELECT * FROM ground_stations WHERE mission_id = $1 AND id = $2 FOR UPDATE', [missionId, id]);
  const before = row && groundStationSettings(stationOf(row));
  const next = groundStationSettings(definition);
  const changes = fieldChanges(before, next);
  if (row && !changes.length) return { station: stationOf(row), created: false };
  const { rows } = await tx.query<StationRow>(
    row
      ? `UPDATE ground_stations SET name = $3, latitude_deg = $4, longitude_deg = $5, altitude_m = $6, elevation_mask_deg = $7, horizon_mask = $8, updated_at = now()
         WHERE mission_id = $1 AND id = $2 RETURNING *`
      : `INSERT INTO ground_stations (mission_id, id, name, latitude_deg, longitude_deg, altitude_m, elevation_mask_deg, horizon_mask)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    // An array goes to jsonb as JSON text: the drivers would send a JavaScript array as a PostgreSQL array.
    [missionId, id, next.name, next.latitudeDeg, next.longitudeDeg, next.altitudeM, next.elevationMaskDeg, next.horizonMask ? JSON.stringify(next.horizonMask) : null],
  );
  await recordChange(tx, { by: how.by, action: how.action === 'import' ? 'import' : row ? 'update' : 'create', entity: 'ground-station', mission: missionId, groundStation: id, changes });
  return { station: stationOf(rows[0]!), created: !row };
}

/** False when there was no such station. The history keeps its last settings, as the old values of the deletion. */
export async function removeGroundStation(tx: SqlExecutor, missionId: string, id: string, by: string): Promise<boolean> {
  const { rows: [row] } = await tx.query<StationRow>('DELETE FROM ground_stations WHERE mission_id = $1 AND id = $2 RETURNING *', [missionId, id]);
  if (!row) return false;
  await recordChange(tx, { by, action: 'delete', entity: 'ground-station', mission: missionId, groundStation: id, changes: fieldChanges(groundStationSettings(stationOf(row)), {}) });
  return true;
}
