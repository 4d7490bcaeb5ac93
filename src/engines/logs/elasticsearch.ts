/**
 * Log index on Elasticsearch 8, through the official client.
 *
 * Entries go to one index per UTC day of their time, `<prefix>-YYYY.MM.DD`, created on
 * first write from an index template that also puts them behind the alias `<prefix>`,
 * which is what searches read; retention is deleting whole day indices.
 *
 * Every entry gets an id derived from its content, and is written with `create`: a batch
 * retried after a lost response (the engine restarting mid-request) is stored once.
 *
 * Search is near-real-time: an entry becomes searchable at the next refresh (1 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { LogEntry, LogIndex, LogQuery } from './port.ts';
import { checkEntries, checkQuery, collectStrings, LEVELS, portFields, wordsIn } from './entries.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { ReachabilityProbe } from '../shared/probe.ts';
import { EngineUnavailableError } from '../shared/unavailable.ts';

export interface ElasticsearchLogIndexOptions {
  /** Names the daily indices `<prefix>-YYYY.MM.DD`, their template and the alias searched. Default `orbit-logs`. */
  indexPrefix?: string;
  /** Day indices older than this many days are deleted, at open and then once a day. Default 7. */
  retentionDays?: number;
  /** How long `index` and `search` keep trying through an outage before they reject. Default 10 s. */
  timeoutMs?: number;
  /**
   * `'wait_for'`: `index` resolves once its entries are searchable, at the cost of up to a
   * refresh interval of latency per call. Default: resolves once they are durable.
   */
  refresh?: false | 'wait_for';
}

const ENGINE = 'Elasticsearch';
const DEFAULT_PREFIX = 'orbit-logs';
const DEFAULT_RETENTION_DAYS = 7;
const DEFAULT_TIMEOUT_MS = 10_000;
const DAY_MS = 86_400_000;
const PROBE_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;
/** Retries of an operation, and checks of an engine that went away, back off from 250 ms up to 5 s. */
const BACKOFF = { initialMs: 250, maxMs: 5000 };
const KEYWORD_IGNORE_ABOVE = 1024;

const PREFIX_RE = /^[a-z0-9][a-z0-9_-]{0,199}$/;

// ---------------------------------------------------------------------------
// Entries and documents

/**
 * Text split into words as the embedded index splits it, on both the indexing and the query
 * side: Elasticsearch's standard analyzer would keep `a.b` or `a:b` whole.
 */
function wordsOf(text: string): string {
  return wordsIn(text).join(' ');
}

interface StoredDoc extends LogEntry {
  /** Searched text: msg and every string in fields. Indexed only, left out of the stored source. */
  words: string[];
  /** When the batch was sent and the place in it: newest first among entries of the same millisecond. */
  arrival: number;
  pos: number;
}

function searchedWords(e: LogEntry): string[] {
  const strings = [e.msg];
  if (e.fields) collectStrings(e.fields, strings, 0);
  return strings.map(wordsOf).filter((w) => w.length > 0);
}

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10).replaceAll('-', '.');
}

/** The day index an entry of `time` goes to. */
export function dayIndexName(prefix: string, time: number): string {
  return `${prefix}-${dayOf(time)}`;
}

// ---------------------------------------------------------------------------
// Index template

/** Exported for the check that the Logstash pipeline (deploy/logstash) writes what this mapping reads. */
export function templateBody(prefix: string): estypes.IndicesPutIndexTemplateRequest {
  const keyword = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE } as const;
  return {
    name: prefix,
    index_patterns: [`${prefix}-*`],
    // Longer prefixes win where patterns overlap (`orbit-logs-*` also covers `orbit-logs-test-*`),
    // and equal priorities on overlapping patterns are refused by Elasticsearch.
    priority: 500 + prefix.length,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: false,
        _source: { excludes: ['words', 'arrival', 'pos'] },
        properties: {
          time: { type: 'date', format: 'epoch_millis' },
          level: { type: 'keyword' },
          service: keyword,
          module: keyword,
          traceId: keyword,
          spanId: keyword,
          msg: { type: 'text' },
          // Kept as given, whatever the types; their strings are searched through `words`.
          fields: { type: 'object', enabled: false },
          // Scores are never used (results are newest first), so neither are frequencies or norms.
          words: { type: 'text', index_options: 'docs', norms: false },
          // Sorted on, never searched.
          arrival: { type: 'long', index: false },
          pos: { type: 'integer', index: false },
        },
      },
      aliases: { [prefix]: {} },
    },
    _meta: { description: 'Orbit log index: one index per UTC day, searched through the alias of the same name as this template' },
  };
}

// ---------------------------------------------------------------------------
// Errors

/** Some entries of a bulk request were turned away for now (queue full, shard not yet allocated). */
class EntriesDeferred extends Error {}

function isTransient(error: unknown): boolean {
  if (error instanceof EntriesDeferred) return true;
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) return true;
  if (error instanceof errors.ResponseError) return isTransientStatus(error.statusCode);
  return false;
}

/** Busy, or shards not allocated yet after a restart. */
function isTransientStatus(status: number | undefined): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

function reason(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: { type?: string; reason?: string; caused_by?: { reason?: string } } } | undefined;
    const e = body?.error;
    if (e?.type) return `${e.type}: ${e.reason ?? ''}${e.caused_by?.reason ? ` (${e.caused_by.reason})` : ''} [HTTP ${error.statusCode}]`;
    return `HTTP ${error.statusCode ?? '?'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The URL without user or password, for messages. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** The password as written in the URL and decoded; too short a one would blot out ordinary text, and is not worth hiding. */
function secretsOf(url: URL): string[] {
  if (url.password.length < 3) return [];
  let decoded = url.password;
  try {
    decoded = decodeURIComponent(url.password);
  } catch {
    // Malformed escapes: the raw form is all there is to hide.
  }
  return [...new Set([url.password, decoded])];
}

// ---------------------------------------------------------------------------

interface BulkItem {
  action: string;
  /** Serialised once, when `index` is called: later changes by the caller to the entry cannot reach a retry. */
  source: string;
}

export class ElasticsearchLogIndex implements LogIndex {
  private readonly client: Client;
  private readonly where: string;
  private readonly secrets: string[];
  private readonly prefix: string;
  private readonly retentionDays: number;
  private readonly timeoutMs: number;
  private readonly refresh: false | 'wait_for';
  private readonly probe: ReachabilityProbe;
  private lastFailure = '';
  private readonly inFlight = new Set<Promise<unknown>>();
  private sweptDay = '';
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(url: URL, options: Required<ElasticsearchLogIndexOptions>) {
    this.where = `${ENGINE} at ${displayUrl(url)}`;
    this.secrets = secretsOf(url);
    this.prefix = options.indexPrefix;
    this.retentionDays = options.retentionDays;
    this.timeoutMs = options.timeoutMs;
    this.refresh = options.refresh;
    // Retries are ours: they wait for the reconnect and respect one deadline per operation.
    this.client = new Client({ node: url.href, maxRetries: 0, requestTimeout: options.timeoutMs, name: 'orbit-logs' });
    this.probe = new ReachabilityProbe({ check: (recovering) => this.check(recovering), intervalMs: PROBE_INTERVAL_MS, backoff: BACKOFF });
  }

  /** Connects, installs the index template and applies retention; rejects when the engine is unreachable. */
  static async open(url: string, options: ElasticsearchLogIndexOptions = {}): Promise<ElasticsearchLogIndex> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`${ENGINE} URL is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`${ENGINE} URL must be http:// or https://, not ${parsed.protocol}`);
    const resolved: Required<ElasticsearchLogIndexOptions> = {
      indexPrefix: options.indexPrefix ?? DEFAULT_PREFIX,
      retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      refresh: options.refresh ?? false,
    };
    if (!PREFIX_RE.test(resolved.indexPrefix)) throw new TypeError('indexPrefix must be lower case letters, digits, "-" or "_", starting with a letter or digit');
    if (!(resolved.retentionDays > 0)) throw new TypeError('retentionDays must be positive');
    if (!(resolved.timeoutMs > 0)) throw new TypeError('timeoutMs must be positive');
    const index = new ElasticsearchLogIndex(parsed, resolved);
    try {
      await index.client.indices.putIndexTemplate(templateBody(resolved.indexPrefix));
      await index.applyRetention();
    } catch (error) {
      await index.probe.close();
      await index.client.close();
      throw index.failure('could not be opened', error);
    }
    return index;
  }

  isReady(): boolean {
    return !this.closed && this.probe.isReady();
  }

  async index(entries: LogEntry[]): Promise<void> {
    this.assertOpen();
    checkEntries(entries);
    if (entries.length === 0) return;
    return this.track(this.write(this.bulkItems(entries)));
  }

  async search(query: LogQuery): Promise<LogEntry[]> {
    this.assertOpen();
    const { limit, minRank } = checkQuery(query);
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (minRank > 0) filter.push({ terms: { level: LEVELS.slice(minRank) } });
    const words = wordsOf(query.text ?? '');
    // Every word as a term, the last one also as a prefix: a search box answers while the operator types.
    if (words) filter.push({ match_bool_prefix: { words: { query: words, operator: 'and' } } });
    if (query.service !== undefined) filter.push({ term: { service: query.service } });
    if (query.module !== undefined) filter.push({ term: { module: query.module } });
    if (query.traceId !== undefined) filter.push({ term: { traceId: query.traceId } });
    if (query.from !== undefined || query.to !== undefined) {
      filter.push({ range: { time: { ...(query.from !== undefined && { gte: query.from }), ...(query.to !== undefined && { lte: query.to }) } } });
    }
    const request: estypes.SearchRequest = {
      index: this.prefix,
      // Before the first entry there is no index behind the alias yet: that is an empty result.
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { filter } },
      sort: [{ time: { order: 'desc' } }, { arrival: { order: 'desc', unmapped_type: 'long' } }, { pos: { order: 'desc', unmapped_type: 'integer' } }],
      // Right after a restart some day indices may still be recovering: retry rather than answer with part of the logs.
      allow_partial_search_results: false,
      size: limit,
      track_total_hits: false,
    };
    return this.track(
      this.withRetries('search', async (timeoutMs) => {
        const result = await this.client.search<LogEntry>(request, { requestTimeout: timeoutMs });
        return result.hits.hits.map((hit) => portFields(hit._source ?? ({} as LogEntry)));
      }),
    );
  }

  /** Idempotent; waits for the operations in flight (each bounded by `timeoutMs`). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      void this.probe.close();
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.client.close();
    })();
    return this.closing;
  }

  // -------------------------------------------------------------------------
  // Writing

  /**
   * Ids hash the stored entry and its rank among identical entries of the batch, so
   * identical lines in one batch are all kept while a resent batch is recognised.
   */
  private bulkItems(entries: LogEntry[]): BulkItem[] {
    const seen = new Map<string, number>();
    const days = new Map<number, string>();
    const arrival = Date.now();
    return entries.map((entry, pos) => {
      const stored = portFields(entry);
      const json = JSON.stringify(stored);
      const n = seen.get(json) ?? 0;
      seen.set(json, n + 1);
      const id = createHash('sha256').update(json).update(`\u0000${n}`).digest('base64url').slice(0, 32);
      const extra: Pick<StoredDoc, 'words' | 'arrival' | 'pos'> = { words: searchedWords(stored), arrival, pos };
      const dayNumber = Math.floor(stored.time / DAY_MS);
      let day = days.get(dayNumber);
      if (day === undefined) days.set(dayNumber, (day = dayIndexName(this.prefix, stored.time)));
      return {
        action: JSON.stringify({ create: { _index: day, _id: id } }),
        source: `${json.slice(0, -1)},${JSON.stringify(extra).slice(1)}`,
      };
    });
  }

  private async write(items: BulkItem[]): Promise<void> {
    this.expireOnNewDay();
    let pending = items;
    const rejected: string[] = [];
    await this.withRetries('index', async (timeoutMs) => {
      // Strings go out as they are: each entry is serialised once however often it is sent.
      const operations = pending.flatMap((item) => [item.action, item.source]);
      const result = await this.client.bulk({ operations, refresh: this.refresh }, { requestTimeout: timeoutMs });
      if (!result.errors) {
        pending = [];
        return;
      }
      const retry: BulkItem[] = [];
      result.items.forEach((item, i) => {
        const outcome = item.create;
        // 409: an earlier attempt stored it already, and its response was lost.
        if (!outcome?.error || outcome.status === 409) return;
        if (isTransientStatus(outcome.status)) retry.push(pending[i]);
        else rejected.push(`${outcome.error.type}: ${outcome.error.reason ?? ''}`);
      });
      pending = retry;
      if (retry.length > 0) {
        const first = result.items.find((item) => isTransientStatus(item.create?.status))?.create?.error;
        throw new EntriesDeferred(`${retry.length} entries deferred, ${first?.type ?? 'unavailable'}: ${first?.reason ?? ''}`);
      }
    });
    if (rejected.length > 0) {
      throw new Error(this.redact(`${this.where} rejected ${rejected.length} of ${items.length} log entries: ${rejected[0]}`));
    }
  }

  // -------------------------------------------------------------------------
  // Retention

  private expireOnNewDay(): void {
    const today = dayOf(Date.now());
    if (today === this.sweptDay) return;
    // Once a day even when it fails: retention is housekeeping, and must not fail or slow the write that noticed the new day.
    this.sweptDay = today;
    void this.track(this.applyRetention().catch(() => undefined));
  }

  /** Deletes day indices past retention, counted back from the wall clock, not from entry times. */
  private async applyRetention(): Promise<void> {
    const today = dayOf(Date.now());
    const cutoff = dayOf(Date.now() - this.retentionDays * DAY_MS);
    const aliases = await this.client.indices.getAlias({ name: this.prefix }, { ignore: [404] });
    const dayIndex = new RegExp(`^${this.prefix}-(\\d{4}\\.\\d{2}\\.\\d{2})$`);
    const expired = Object.keys(aliases).filter((name) => {
      const m = dayIndex.exec(name);
      return m !== null && m[1] < cutoff;
    });
    if (expired.length > 0) await this.client.indices.delete({ index: expired }, { ignore: [404] });
    this.sweptDay = today;
  }

  // -------------------------------------------------------------------------
  // Connection

  /**
   * Runs `attempt` until it succeeds, retrying transient failures (engine down, restarting,
   * busy) after the reconnect, and rejecting naming the engine once `timeoutMs` has passed.
   */
  private async withRetries<T>(what: string, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    const delay = backoffDelays(BACKOFF);
    for (let n = 0; ; n++) {
      await this.untilConnected(deadline, what);
      try {
        return await attempt(Math.max(1, deadline - Date.now()));
      } catch (error) {
        if (!isTransient(error)) throw this.failure(`failed to ${what}`, error);
        this.lastFailure = reason(error);
        // Busy or deferred is an answer: only a failed connection means the engine is away.
        if (!(error instanceof errors.ResponseError || error instanceof EntriesDeferred)) this.probe.lost(error);
        const wait = n === 0 ? 0 : delay();
        if (this.closed || Date.now() + wait >= deadline) throw this.failure(`did not ${what} within ${this.timeoutMs} ms`, error);
        await sleep(wait);
      }
    }
  }

  private async untilConnected(deadline: number, what: string): Promise<void> {
    if (await this.probe.waitUntilReachable(deadline)) return;
    if (this.closed) throw new Error('log index is closed');
    throw new EngineUnavailableError(ENGINE, this.redact(`${this.where} is unreachable, could not ${what} within ${this.timeoutMs} ms: ${this.lastFailure}`));
  }

  /** Whether the engine answers; after an outage, re-installs the template before declaring it back. */
  private async check(recovering: boolean): Promise<void> {
    try {
      await this.client.cluster.health({}, { requestTimeout: PROBE_TIMEOUT_MS });
      // The engine may have come back with no data at all; writes need the template first.
      if (recovering) await this.client.indices.putIndexTemplate(templateBody(this.prefix), { requestTimeout: PROBE_TIMEOUT_MS });
    } catch (error) {
      this.lastFailure = reason(error);
      throw error;
    }
  }

  // -------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('log index is closed');
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    const forget = () => this.inFlight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  /**
   * An error naming the engine, without the client's request metadata (it carries
   * credentials): an EngineUnavailableError when the engine was away or busy.
   */
  private failure(what: string, error: unknown): Error {
    const message = this.redact(`${this.where} ${what}: ${reason(error)}`);
    return isTransient(error) ? new EngineUnavailableError(ENGINE, message) : new Error(message);
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.replaceAll(secret, '***');
    return out;
  }
}
