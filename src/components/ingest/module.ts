/**
 * Ingest: POST /v1/telemetry. Validates at the edge (parse.ts, validate.ts), then puts
 * the whole batch on the task queue as one message (intake.ts) and answers 202 once
 * that message is durable; admission.ts keeps the pipeline from being overrun.
 */
import { Counter, Histogram } from 'prom-client';
import { QUEUES } from '../../core/messages.ts';
import { QUEUE } from '../../engines/queue/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { Admission } from './admission.ts';
import { Intake } from './intake.ts';
import { ingestRoutes, type IngestApi } from './routes.ts';
import { IDEMPOTENCY } from '../../stores/idempotency/store.ts';

const BACKLOG_SAMPLE_MS = 250;

export const ingestModule = defineModule({
  name: 'ingest',
  deps: { catalog: MISSIONS, queue: QUEUE, idempotency: IDEMPOTENCY },
  target: { description: 'REST ingestion of telemetry (JSON batch and NDJSON) onto the task queue' },
  async start({ config, metrics, deps: { catalog, queue, idempotency } }) {
    const readings = new Counter({ name: 'orbit_ingest_readings_total', help: 'Telemetry readings received, by outcome', labelNames: ['outcome'], registers: [metrics] });
    const batches = new Counter({ name: 'orbit_ingest_batches_total', help: 'Telemetry batches received, by outcome', labelNames: ['outcome'], registers: [metrics] });
    const enqueueSeconds = new Histogram({
      name: 'orbit_ingest_enqueue_duration_seconds', help: 'Time to make an accepted batch durable on the task queue', registers: [metrics],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    const admission = new Admission({
      maxInflight: config.limits.ingestMaxInflight,
      maxBacklog: config.limits.ingestMaxBacklog,
      backlog: async () => (await queue.depth(QUEUES.ingest)).ready,
      sampleEveryMs: BACKLOG_SAMPLE_MS,
      onRefused: () => batches.inc({ outcome: 'throttled' }),
    });
    const record = {
      enqueued: (seconds: number) => enqueueSeconds.observe(seconds),
      accepted: (n: number) => {
        readings.inc({ outcome: 'accepted' }, n);
        batches.inc({ outcome: 'accepted' });
      },
      rejected: (n: number) => {
        readings.inc({ outcome: 'rejected' }, n);
        batches.inc({ outcome: 'rejected' });
      },
    };
    const api: IngestApi = { admission, intake: new Intake(catalog, queue, { maxFutureMs: config.limits.maxFutureMs }), idempotency, record };
    return {
      value: api,
      isReady: () => queue.isReady(),
      // New batches get 503; those already accepted are on the durable queue.
      stop: async () => admission.drain(),
    };
  },
  routes: ingestRoutes,
});
