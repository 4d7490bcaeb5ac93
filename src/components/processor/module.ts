/**
 * Processor: takes ingest batches off the task queue, calibrates each reading to its
 * engineering value, stores the batch, publishes it on `telemetry.processed` keyed by
 * spacecraft, and only then acks. A crash anywhere before the ack redelivers the
 * batch, and storing it again is harmless.
 */
import { Counter, Histogram } from 'prom-client';
import { defineModule } from '../../platform/modules.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { calibrate } from '../../core/calibration.ts';
import { QUEUES, TOPICS, type IngestBatch, type ProcessedBatch } from '../../core/messages.ts';
import type { OutgoingEvent } from '../../engines/events/port.ts';
import { GroupCommit } from '../../lib/group-commit.ts';
import { waitOutOutages } from '../../platform/unavailable.ts';
import { TelemetryStore, type StoredReading } from '../telemetry/store.ts';

interface Work {
  rows: StoredReading[];
  events: OutgoingEvent<ProcessedBatch>[];
}

export const processorModule = defineModule({
  name: 'processor',
  deps: ['missions', 'sql', 'queue', 'events'],
  target: { description: 'Calibrates, stores and fans out telemetry (task queue -> relational store + event log)', routes: [] },
  async start({ config, metrics, logger, get }) {
    const catalog = get('missions');
    const queue = get('queue');
    const events = get('events');
    const store = new TelemetryStore(get('sql'));
    await queue.assertQueue(QUEUES.ingest, { maxAttempts: 5, retryDelayMs: 500 });
    await events.createTopic(TOPICS.processed, { partitions: config.events.partitions });

    const processed = new Counter({ name: 'orbit_processor_readings_total', help: 'Readings calibrated and stored', registers: [metrics] });
    const failures = new Counter({ name: 'orbit_processor_failures_total', help: 'Batches that failed processing (retried, then dead-lettered)', registers: [metrics] });
    const duration = new Histogram({
      name: 'orbit_processor_batch_duration_seconds', help: 'Time to calibrate, store and publish one batch', registers: [metrics],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });

    const sql = get('sql');
    let stopping = false;
    // Batches that arrive while one is being written are written together: one statement, one publish.
    // An engine outage holds the batches (unacked) until it is over, so it never uses up their attempts.
    const hold = { ready: () => sql.isReady() && events.isReady(), logger, stopping: () => stopping };
    const writer = new GroupCommit<Work>(async (work) => {
      const rows = work.flatMap((w) => w.rows);
      await waitOutOutages(() => store.write(rows), hold);
      const out = work.flatMap((w) => w.events);
      await waitOutOutages(() => events.publish(TOPICS.processed, out), hold);
      processed.inc(rows.length);
    });

    const holdForCatalog = { ready: () => sql.isReady(), logger, stopping: () => stopping };
    const consumer = await queue.consume<IngestBatch>(QUEUES.ingest, async (delivery) => {
      const end = duration.startTimer();
      const batch = delivery.body;
      try {
        const rows: StoredReading[] = [];
        const out: OutgoingEvent<ProcessedBatch>[] = [];
        const processedAt = Date.now();
        for (const item of batch.items) {
          const view = await waitOutOutages(() => catalog.spacecraftWith(item.spacecraft, item.readings.map((r) => r.channel)), holdForCatalog);
          if (!view) throw new Error(`unknown spacecraft "${item.spacecraft}"`);
          const readings = item.readings.map((r) => {
            const channel = view.channels.get(r.channel);
            if (!channel) throw new Error(`unknown channel "${r.channel}" of spacecraft "${item.spacecraft}"`);
            const value = typeof r.value === 'number' ? calibrate(r.value, channel.calibration) : r.value;
            rows.push({ spacecraft: item.spacecraft, channel: r.channel, time: r.time, raw: r.value, value, type: channel.type, batchId: batch.batchId });
            return { channel: r.channel, time: r.time, raw: r.value, value };
          });
          out.push({
            key: item.spacecraft,
            value: { batchId: batch.batchId, spacecraft: item.spacecraft, receivedAt: batch.receivedAt, processedAt, readings },
            headers: cloudEventHeaders('orbit.telemetry.processed.v1', '/orbit/processor', { traceparent: delivery.headers.traceparent }),
          });
        }
        await writer.submit({ rows, events: out });
      } catch (error) {
        failures.inc();
        logger.warn({ err: error, batchId: batch.batchId, attempt: delivery.attempt }, 'batch processing failed');
        throw error;
      } finally {
        end();
      }
    }, { prefetch: config.processor.prefetch });

    return {
      value: undefined,
      isReady: () => queue.isReady() && events.isReady(),
      stop: () => {
        stopping = true;
        return consumer.close();
      },
    };
  },
});
