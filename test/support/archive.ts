/**
 * The telemetry archive as tests check it on a real PostgreSQL: how many readings its
 * segments hold (a batch stored twice counts twice until the compactor merges it) and the
 * keys of every stored reading.
 */
import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';

export async function archived(url: string, spacecraftLike = '%'): Promise<{ count: number; keys: Set<string> }> {
  const sql = await PostgresStore.open(url);
  try {
    const { rows } = await sql.query<{ spacecraft_id: string; channel: string; n: number }>(
      'SELECT spacecraft_id, channel, sum(count)::int AS n FROM telemetry_segments WHERE spacecraft_id LIKE $1 GROUP BY 1, 2',
      [spacecraftLike],
    );
    const telemetry = new TelemetryStore(sql);
    const keys = new Set<string>();
    for (const r of rows) {
      // Keys only: the type decides how values decode, and number reads any numeric column.
      for await (const s of telemetry.columns({ spacecraft: r.spacecraft_id, channel: r.channel }, 'number')) {
        for (let i = 0; i < s.times.length; i++) keys.add(`${r.spacecraft_id}|${r.channel}|${s.times[i]}`);
      }
    }
    return { count: rows.reduce((n, r) => n + r.n, 0), keys };
  } finally {
    await sql.close();
  }
}
