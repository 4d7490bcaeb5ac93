/**
 * The per-adapter figures the clients were chosen on, on the real engines
 * (`npm run engines:up` first): messages/s produced and consumed on RabbitMQ and Kafka
 * by each candidate client, rows/s written to PostgreSQL by each bulk form, documents/s
 * on the MongoDB-wire server, entries/s indexed in Elasticsearch. About 6 minutes.
 *
 *   npm run bench:clients [-- rabbitmq kafka postgres mongo elasticsearch] [-- --json]
 */
import { parseArgs } from 'node:util';
import { realEngine, type EngineVariable } from '../test/support/engines.ts';
import * as rabbitmq from './clients/rabbitmq.ts';
import * as kafka from './clients/kafka.ts';
import * as postgres from './clients/postgres.ts';
import * as mongo from './clients/mongo.ts';
import * as elasticsearch from './clients/elasticsearch.ts';

const BENCHES: Record<string, { variable: EngineVariable; measure(url: string): Promise<Record<string, number>> }> = {
  rabbitmq: { variable: 'ORBIT_QUEUE_URL', measure: rabbitmq.measure },
  kafka: { variable: 'ORBIT_EVENTS_BROKERS', measure: kafka.measure },
  postgres: { variable: 'ORBIT_SQL_URL', measure: postgres.measure },
  mongo: { variable: 'ORBIT_DOCS_URL', measure: mongo.measure },
  elasticsearch: { variable: 'ORBIT_SEARCH_URL', measure: elasticsearch.measure },
};

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
const names = positionals.length ? positionals : Object.keys(BENCHES);
const all: Record<string, Record<string, number>> = {};
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown engine ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
  const figures = await bench.measure(realEngine(bench.variable));
  all[name] = figures;
  console.log(`\n${name}`);
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(44)} ${String(value).padStart(12)}`);
}
if (values.json) console.log(JSON.stringify(all));
