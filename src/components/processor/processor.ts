/**
 * Calibrates each ingest batch, stores it, publishes it on `telemetry.processed` keyed
 * by spacecraft, and only then lets the caller ack. Batches that arrive while one is
 * being written are written together: one statement, one publish. An engine outage
 * holds the batches (unacked) until it is over, so it never uses up their attempts.
 */
import type { Logger } from 'pino';
import { TOPICS, type IngestBatch, type ProcessedBatch } from '../../core/messages.ts';
import type { EventLog, OutgoingEvent } from '../../engines/events/port.ts';
import type { SqlStore } from '../../engines/sql/port.ts';
import { GroupCommit } from '../../lib/group-commit.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { waitOutOutages } from '../../engines/shared/unavailable.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { StoredReading, TelemetryStore } from '../../stores/telemetry/store.ts';
import { calibrateItem } from './calibrate.ts';

interface Work {
  rows: StoredReading[];
  events: OutgoingEvent<ProcessedBatch>[];
}

export interface ProcessorDeps {
  catalog: MissionCatalog;
  telemetry: TelemetryStore;
  sql: SqlStore;
  events: EventLog;
  logger: Logger;
  /** Called with the number of readings of each group once it is stored and published. */
  onStored?(readings: number): void;
}

export class TelemetryProcessor {
  readonly #deps: ProcessorDeps;
  readonly #writer: GroupCommit<Work>;
  #stopping = false;

  constructor(deps: ProcessorDeps) {
    this.#deps = deps;
    const { telemetry, events } = deps;
    this.#writer = new GroupCommit<Work>(async (work) => {
      const rows = work.flatMap((w) => w.rows);
      await this.#holding(() => telemetry.write(rows), () => deps.sql.isReady() && events.isReady());
      await this.#holding(() => events.publish(TOPICS.processed, work.flatMap((w) => w.events)), () => deps.sql.isReady() && events.isReady());
      deps.onStored?.(rows.length);
    });
  }

  /** Resolves once the batch is stored and published: then it may be acked. */
  async process(batch: IngestBatch, traceparent?: string): Promise<void> {
    const rows: StoredReading[] = [];
    const out: OutgoingEvent<ProcessedBatch>[] = [];
    const processedAt = Date.now();
    for (const item of batch.items) {
      const view = await this.#holding(() => this.#deps.catalog.spacecraftWith(item.spacecraft, item.readings.map((r) => r.channel)), () => this.#deps.sql.isReady());
      const calibrated = calibrateItem(batch, item, view, processedAt);
      rows.push(...calibrated.rows);
      out.push({
        key: item.spacecraft,
        value: calibrated.event,
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
