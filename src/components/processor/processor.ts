/**
 * Stores each ingest batch as ingest checked and calibrated it, publishes it on
 * `telemetry.processed` keyed by spacecraft, and only then lets the caller ack. Batches
 * that arrive while one is being written are written together: one statement, one
 * publish. The message carries everything needed, so the mission database is not read.
 *
 * Outages are waited out here and nowhere else on this hop: the group commit holds the
 * write and the publish (the batches stay unacked) until the engine is back, so an outage
 * never uses up a batch's attempts. The task queue counts and retries only failures of the
 * work itself, then dead-letters; the adapters below retry one call at most briefly.
 */
import type { Logger } from 'pino';
import { INGEST_BATCH_TYPE, TOPICS, type IngestBatch, type ProcessedBatch } from '../../core/messages.ts';
import type { EventLog, OutgoingEvent } from '../../engines/events/port.ts';
import type { QueueMessage } from '../../engines/queue/port.ts';
import type { SqlStore } from '../../engines/sql/port.ts';
import { GroupCommit } from '../../lib/group-commit.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { activeTraceparent } from '../../platform/tracing.ts';
import { waitOutOutages } from '../../engines/shared/unavailable.ts';
import type { StoredReading, TelemetryStore } from '../../stores/telemetry/store.ts';
import { processItem } from './rows.ts';

interface Work {
  rows: StoredReading[];
  events: OutgoingEvent<ProcessedBatch>[];
}

export interface ProcessorDeps {
  telemetry: TelemetryStore;
  sql: SqlStore;
  events: EventLog;
  logger: Logger;
  /** Called with the number of readings of each group once it is stored and published. */
  onStored?(readings: number): void;
}

/**
 * Throws, saying what to do, unless the message's CloudEvents type is the batch this
 * processor takes: the task queue retries it, then dead-letters it with that reason.
 */
export function checkMessageType(headers: Readonly<Record<string, string>>): void {
  const type = headers.ce_type;
  if (type === INGEST_BATCH_TYPE) return;
  if (type === 'orbit.telemetry.batch.v1') {
    throw new Error(`${type} message, published before an upgrade: this processor takes only ${INGEST_BATCH_TYPE}, whose readings ingest has checked and calibrated; post its readings again (drain the ingest queue before upgrading)`);
  }
  throw new Error(`not a telemetry batch this processor takes: ce_type ${type === undefined ? 'missing' : JSON.stringify(type)}, expected ${INGEST_BATCH_TYPE}`);
}

export class TelemetryProcessor {
  readonly #deps: ProcessorDeps;
  readonly #writer: GroupCommit<Work>;
  #stopping = false;

  constructor(deps: ProcessorDeps) {
    this.#deps = deps;
    const { telemetry, events, sql } = deps;
    const ready = () => sql.isReady() && events.isReady();
    this.#writer = new GroupCommit<Work>(async (work) => {
      const rows = work.flatMap((w) => w.rows);
      // Held apart: a publish that waits for the event log does not write the rows again.
      await this.#holding(() => telemetry.write(rows), ready);
      await this.#holding(() => events.publish(TOPICS.processed, work.flatMap((w) => w.events)), ready);
      deps.onStored?.(rows.length);
    });
  }

  /** A delivery of the ingest queue: resolves once stored and published, throws for a message it does not take. */
  take(message: Pick<QueueMessage<IngestBatch>, 'body' | 'headers'>): Promise<void> {
    checkMessageType(message.headers);
    // Batches are written and published together: each event names its own batch's trace.
    return this.process(message.body, activeTraceparent() ?? message.headers.traceparent);
  }

  /** Resolves once the batch is stored and published: then it may be acked. */
  async process(batch: IngestBatch, traceparent?: string): Promise<void> {
    const rows: StoredReading[] = [];
    const out: OutgoingEvent<ProcessedBatch>[] = [];
    const processedAt = Date.now();
    for (const item of batch.items) {
      const processed = processItem(batch, item, processedAt);
      for (const row of processed.rows) rows.push(row);
      out.push({
        key: item.spacecraft,
        value: processed.event,
        headers: cloudEventHeaders('orbit.telemetry.processed.v1', '/orbit/processor', { traceparent }),
      });
    }
    await this.#writer.submit({ rows, events: out });
  }

  /** Outages are no longer waited out: held work fails and stays on the queue. */
  stop(): void {
    this.#stopping = true;
  }

  #holding<T>(work: () => Promise<T>, ready: () => boolean): Promise<T> {
    return waitOutOutages(work, { ready, logger: this.#deps.logger, stopping: () => this.#stopping });
  }
}
