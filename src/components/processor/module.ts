/**
 * Processor: takes ingest batches off the task queue, stores and fans them out as ingest
 * calibrated them (processor.ts), and acks each only then. A crash anywhere before the ack
 * redelivers the batch, and storing it again is harmless.
 */
import { Counter, Histogram } from 'prom-client';
import { QUEUES, type IngestBatch } from '../../core/messages.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { QUEUE } from '../../engines/queue/port.ts';
import { SQL } from '../../engines/sql/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { TELEMETRY } from '../../stores/telemetry/store.ts';
import { TelemetryProcessor } from './processor.ts';
import { ArchiveMaintenance } from './archive-maintenance.ts';

export const processorModule = defineModule({
  name: 'processor',
  deps: { telemetry: TELEMETRY, sql: SQL, queue: QUEUE, events: EVENTS },
  target: { description: 'Stores and fans out calibrated telemetry (task queue -> relational store + event log)' },
  async start({ config, metrics, logger, deps: { telemetry, sql, queue, events } }) {
    const processed = new Counter({ name: 'orbit_processor_readings_total', help: 'Readings stored and published', registers: [metrics] });
    const failures = new Counter({ name: 'orbit_processor_failures_total', help: 'Batches that failed processing (retried, then dead-lettered)', registers: [metrics] });
    const duration = new Histogram({
      name: 'orbit_processor_batch_duration_seconds', help: 'Time to store and publish one batch', registers: [metrics],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    const compactions = new Counter({ name: 'orbit_archive_compacted_channels_total', help: 'Channels whose open archive segments were merged into full ones', registers: [metrics] });
    const expired = new Counter({ name: 'orbit_archive_expired_segments_total', help: 'Archive segments dropped past their mission retention', registers: [metrics] });
    const maintenance = new ArchiveMaintenance(telemetry, logger, {
      compactEveryMs: 1000, expireEveryMs: 60_000, onCompacted: (n) => compactions.inc(n), onExpired: (n) => expired.inc(n),
    });
    maintenance.start();
    const processor = new TelemetryProcessor({ telemetry, sql, events, logger, onStored: (n) => processed.inc(n) });

    const consumer = await queue.consume<IngestBatch>(QUEUES.ingest, async (delivery) => {
      const end = duration.startTimer();
      try {
        await processor.take(delivery);
      } catch (error) {
        failures.inc();
        logger.warn({ err: error, batchId: delivery.body.batchId, attempt: delivery.attempt }, 'batch processing failed');
        throw error;
      } finally {
        end();
      }
    }, { prefetch: config.processor.prefetch });

    return {
      value: undefined,
      isReady: () => queue.isReady() && events.isReady(),
      stop: async () => {
        processor.stop();
        await Promise.all([consumer.close(), maintenance.stop()]);
      },
    };
  },
});
