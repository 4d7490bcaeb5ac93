/**
 * The Elasticsearch log index on the engine Orbit runs: log entries/s indexed through the
 * adapter (official client, content ids, `create`), the same with refresh `wait_for`, and a
 * bare HTTP `_bulk` of the same documents with Elasticsearch's own ids, which is what the
 * client and the duplicate-proof ids cost. Writers are 2 loops awaiting batches of 500 in
 * turn, as two Orbit processes shipping logs. Then the latency of console searches over
 * what was indexed. Each figure is the median of 3 runs of about 5 s.
 *
 *   ORBIT_SEARCH_URL=http://127.0.0.1:59200 node bench/clients/elasticsearch.ts
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { ElasticsearchLogIndex } from '../../src/engines/logs/elasticsearch.ts';
import type { LogEntry, LogLevel, LogQuery } from '../../src/engines/logs/port.ts';
import { realEngine } from '../../test/support/engines.ts';
import { median } from './stats.ts';

const RUN_MS = 5000;
const ROUNDS = 3;
const BATCH = 500;
const WRITERS = 2;

const LEVELS: LogLevel[] = ['debug', 'info', 'info', 'info', 'info', 'warn', 'error'];
const CHANNELS = ['BAT_V', 'BAT_T', 'RW1_SPD', 'RW2_SPD', 'MAG_X', 'SUN_ANG', 'TX_PWR'];
const MODULES = ['ingest', 'processor', 'enricher', 'analyzer', 'compute'];

function logEntry(i: number): LogEntry {
  const channel = CHANNELS[i % CHANNELS.length];
  const spacecraft = `sc-${i % 40}`;
  return {
    time: Date.now(),
    level: LEVELS[i % LEVELS.length],
    msg: i % 50 === 0 ? `limit violated on ${channel}` : `reading calibrated ${channel} frame ${i}`,
    service: 'all',
    module: MODULES[i % MODULES.length],
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    fields: { spacecraft, channel, value: 28.1 + (i % 70) / 10, topic: 'telemetry.processed', seq: i },
  };
}

const QUERIES: LogQuery[] = [
  { text: 'limit viol' },
  { text: 'sc-7 bat', level: 'warn' },
  { level: 'error', limit: 50 },
  { module: 'analyzer', text: 'calibrated', limit: 20 },
  {},
];

/** Runs `send(batch)` from WRITERS loops until RUN_MS has passed; resolves with entries/s. */
async function writers(send: (batch: LogEntry[]) => Promise<unknown>): Promise<number> {
  let next = 0;
  let sent = 0;
  const began = Date.now();
  const deadline = began + RUN_MS;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (Date.now() < deadline) {
        const first = next;
        next += BATCH;
        await send(Array.from({ length: BATCH }, (_, k) => logEntry(first + k)));
        sent += BATCH;
      }
    }),
  );
  return (sent * 1000) / (Date.now() - began);
}

/** The bulk body a plain HTTP client would send: the adapter's document shape, no ids. */
function rawBulk(index: string, batch: LogEntry[]): string {
  const lines: string[] = [];
  const op = JSON.stringify({ index: { _index: index } });
  const arrival = Date.now();
  batch.forEach((e, pos) => {
    const strings = [e.msg, ...Object.values(e.fields ?? {}).filter((v): v is string => typeof v === 'string')];
    lines.push(op, JSON.stringify({ ...e, words: strings.map((s) => s.match(/[\p{L}\p{N}_]+/gu)?.join(' ') ?? ''), arrival, pos }));
  });
  return `${lines.join('\n')}\n`;
}

async function rawIndex(url: string, index: string, batch: LogEntry[]): Promise<void> {
  const response = await fetch(new URL('/_bulk', url), { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: rawBulk(index, batch) });
  const result = (await response.json()) as { errors?: boolean };
  if (!response.ok || result.errors) throw new Error(`raw bulk failed with HTTP ${response.status}`);
}

async function searchLatencies(index: ElasticsearchLogIndex): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = Date.now() + RUN_MS;
  for (let i = 0; Date.now() < deadline; i++) {
    const began = performance.now();
    await index.search(QUERIES[i % QUERIES.length]);
    latencies.push(performance.now() - began);
  }
  return latencies.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function measure(url: string): Promise<Record<string, number>> {
  const tag = randomBytes(4).toString('hex');
  const prefixes = { adapter: `orbit-logs-bench-${tag}`, waitFor: `orbit-logs-bench-${tag}-wait`, raw: `orbit-logs-bench-${tag}-raw` };
  const adapter = await ElasticsearchLogIndex.open(url, { indexPrefix: prefixes.adapter });
  const waiting = await ElasticsearchLogIndex.open(url, { indexPrefix: prefixes.waitFor, refresh: 'wait_for' });
  // Same template, so the raw bulk lands on the same mapping.
  const raw = await ElasticsearchLogIndex.open(url, { indexPrefix: prefixes.raw });
  const rawIndexName = `${prefixes.raw}-${new Date().toISOString().slice(0, 10).replaceAll('-', '.')}`;
  const runs: Record<string, number[]> = { index: [], indexWaitFor: [], rawBulk: [], p50: [], p95: [] };
  try {
    // One batch each first, so index creation is not measured.
    await adapter.index([logEntry(0)]);
    await waiting.index([logEntry(0)]);
    await rawIndex(url, rawIndexName, [logEntry(0)]);
    for (let round = 0; round < ROUNDS; round++) {
      runs.index.push(await writers((batch) => adapter.index(batch)));
      runs.indexWaitFor.push(await writers((batch) => waiting.index(batch)));
      runs.rawBulk.push(await writers((batch) => rawIndex(url, rawIndexName, batch)));
    }
    for (let round = 0; round < ROUNDS; round++) {
      const latencies = await searchLatencies(adapter);
      runs.p50.push(percentile(latencies, 50));
      runs.p95.push(percentile(latencies, 95));
    }
  } finally {
    await Promise.all([adapter.close(), waiting.close(), raw.close()]);
    const admin = new Client({ node: url });
    for (const prefix of Object.values(prefixes)) {
      const names = Object.keys(await admin.indices.get({ index: `${prefix}-*` }));
      if (names.length) await admin.indices.delete({ index: names });
      await admin.indices.deleteIndexTemplate({ name: prefix }, { ignore: [404] });
    }
    await admin.close();
  }
  return {
    index_entries_per_s: Math.round(median(runs.index)),
    index_wait_for_entries_per_s: Math.round(median(runs.indexWaitFor)),
    raw_bulk_entries_per_s: Math.round(median(runs.rawBulk)),
    search_p50_ms: Number(median(runs.p50).toFixed(2)),
    search_p95_ms: Number(median(runs.p95).toFixed(2)),
  };
}

if (import.meta.main) {
  const url = realEngine('ORBIT_SEARCH_URL');
  const result = await measure(url);
  const labels: Record<string, string> = {
    index_entries_per_s: 'index through the adapter (entries/s)',
    index_wait_for_entries_per_s: 'index, refresh wait_for (entries/s)',
    raw_bulk_entries_per_s: 'bare HTTP _bulk, auto ids (entries/s)',
    search_p50_ms: 'search latency p50 (ms)',
    search_p95_ms: 'search latency p95 (ms)',
  };
  console.log(`Elasticsearch log index, ${WRITERS} writers x batches of ${BATCH}, median of ${ROUNDS} runs of ${RUN_MS / 1000} s\n`);
  for (const [key, value] of Object.entries(result)) console.log(`${labels[key].padEnd(42)} ${String(value).padStart(10)}`);
  console.log(JSON.stringify({ bench: 'clients/elasticsearch', url: new URL(url).host, ...result }));
}
