/**
 * What the `alerts` topic of a deployment on the real engines holds, checked against the
 * alert transitions its PostgreSQL stored: every published transition once, in order per
 * spacecraft.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { SEQUENCE_HEADER } from '../../src/components/analyzer/alert-publisher.ts';
import { TOPICS, type AlertEvent } from '../../src/core/messages.ts';
import { KafkaEventLog } from '../../src/engines/events/kafka.ts';
import { namespacedLog } from '../../src/engines/events/namespaced.ts';
import { topicRecords } from './components.ts';

/** One transition as `alert id|action|from>to|at`. */
const step = (alert: string, action: string, from: string | null, to: string, at: number) => `${alert}|${action}|${from ?? '-'}>${to}|${at}`;

/** Unsent alert events in the deployment's outbox. */
export async function outboxPending(sqlUrl: string): Promise<number> {
  const sql = new pg.Client({ connectionString: sqlUrl });
  await sql.connect();
  try {
    return Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM alert_outbox WHERE published_at IS NULL')).rows[0]!.n);
  } finally {
    await sql.end();
  }
}

/**
 * Reads the topic and the stored transitions (those a reading made to an alert that stayed
 * shelved raise no event) and asserts that each spacecraft's events are its transitions,
 * each once, numbered 1, 2, 3… in topic order, and that each alert's transitions come in
 * the order of its history. Answers the events per spacecraft.
 */
export async function assertAlertsTopicMatchesHistory(env: Record<string, string>): Promise<Map<string, string[]>> {
  const log = namespacedLog(await KafkaEventLog.open(env.ORBIT_EVENTS_BROKERS!, { clientId: 'orbit-test-alerts-reader' }), env.ORBIT_ENGINE_NAMESPACE!);
  const sql = new pg.Client({ connectionString: env.ORBIT_SQL_URL });
  await sql.connect();
  try {
    const records = await topicRecords<AlertEvent>(log, TOPICS.alerts);
    const { rows } = await sql.query<{ spacecraft_id: string; alert_id: string; seq: number; action: string; from_state: string | null; to_state: string; at_ms: string }>(
      `SELECT a.spacecraft_id, t.alert_id, t.seq, t.action, t.from_state, t.to_state, round(extract(epoch FROM t.at) * 1000) AS at_ms
         FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id
        WHERE NOT (t.by IS NULL AND t.from_state = 'shelved' AND t.to_state = 'shelved')
        ORDER BY t.alert_id, t.seq`,
    );
    const stored = new Map<string, string[]>();
    for (const r of rows) stored.set(r.spacecraft_id, [...(stored.get(r.spacecraft_id) ?? []), step(r.alert_id, r.action, r.from_state, r.to_state, Number(r.at_ms))]);

    const sent = new Map<string, string[]>();
    const numbers = new Map<string, number[]>();
    for (const r of records) {
      const t = r.value.transition;
      sent.set(r.key, [...(sent.get(r.key) ?? []), step(r.value.alert.id, t.action, t.from, t.to, t.at)]);
      numbers.set(r.key, [...(numbers.get(r.key) ?? []), Number(r.headers[SEQUENCE_HEADER])]);
    }
    assert.deepEqual([...sent.keys()].sort(), [...stored.keys()].sort(), 'events for exactly the spacecraft with stored transitions');
    for (const [sc, events] of sent) {
      const n = numbers.get(sc)!;
      assert.deepEqual(n, n.map((_, i) => i + 1), `${sc}: each event once, in order (sequence numbers on the topic)`);
      assert.equal(new Set(events).size, events.length, `${sc}: no transition twice`);
      assert.deepEqual([...events].sort(), [...stored.get(sc)!].sort(), `${sc}: the topic holds every stored transition`);
      for (const alert of new Set(events.map((e) => e.split('|')[0]!))) {
        assert.deepEqual(events.filter((e) => e.startsWith(`${alert}|`)), stored.get(sc)!.filter((e) => e.startsWith(`${alert}|`)), `alert ${alert}: in the order of its history`);
      }
    }
    return sent;
  } finally {
    await sql.end();
    await log.close();
  }
}
