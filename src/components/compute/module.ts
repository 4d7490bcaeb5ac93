/**
 * Compute: POST /v1/jobs records a job and queues it on compute.jobs; the consumer
 * runs it on a pool of worker threads, keeps progress and the result in the jobs
 * table, and announces the final state on compute.results. The console's jobs pages
 * (pages/) are served here too.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { QUEUE_OPTIONS, QUEUES } from '../../core/messages.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { QUEUE, type Consumer } from '../../engines/queue/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { JOBS } from '../../stores/jobs/store.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { TELEMETRY } from '../../stores/telemetry/store.ts';
import { JobDesk } from './desk.ts';
import { WorkerPool } from './pool.ts';
import type { ChunkTask } from './runner-chunks.ts';
import { jobsPages } from './pages/routes.ts';
import { computeRoutes, type ComputeApi } from './routes.ts';
import { IDEMPOTENCY } from '../../stores/idempotency/store.ts';
import { createJobHandler } from './runner.ts';
import type { JobMessage } from './schemas.ts';

/** How long stop() lets running jobs finish before abandoning them to redelivery. */
const STOP_GRACE_MS = 5_000;

export const computeModule = defineModule({
  name: 'compute',
  deps: { catalog: MISSIONS, jobs: JOBS, queue: QUEUE, events: EVENTS, idempotency: IDEMPOTENCY, telemetry: TELEMETRY },
  target: { description: 'Heavy jobs (orbit propagation, telemetry spectra) on a worker-thread pool' },
  async start({ config, metrics, logger, deps: { catalog, jobs, queue, events, idempotency, telemetry } }) {

    const crashes = new Counter({ name: 'orbit_compute_worker_crashes_total', help: 'Worker threads that died and were replaced', registers: [metrics] });
    const pool = new WorkerPool<ChunkTask, unknown>(new URL('./worker.ts', import.meta.url), config.compute.workers, {
      onCrash: (error) => {
        crashes.inc();
        logger.error({ err: error }, 'compute worker thread crashed');
      },
    });
    new Gauge({ name: 'orbit_compute_workers', help: 'Worker threads in the compute pool', registers: [metrics], collect() { this.set(pool.stats().size); } });
    new Gauge({ name: 'orbit_compute_workers_busy', help: 'Worker threads running a chunk now', registers: [metrics], collect() { this.set(pool.stats().busy); } });
    new Gauge({ name: 'orbit_compute_chunks_queued', help: 'Chunks waiting for a free worker thread', registers: [metrics], collect() { this.set(pool.stats().queued); } });
    const submitted = new Counter({ name: 'orbit_compute_jobs_submitted_total', help: 'Jobs accepted by POST /v1/jobs', labelNames: ['type'], registers: [metrics] });
    const runnerMetrics = {
      jobs: new Counter({ name: 'orbit_compute_jobs_total', help: 'Jobs finished, by type and outcome', labelNames: ['type', 'outcome'] as const, registers: [metrics] }),
      duration: new Histogram({
        name: 'orbit_compute_job_duration_seconds', help: 'Time from a job starting to its final state', labelNames: ['type'] as const, registers: [metrics],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      }),
      samples: new Counter({ name: 'orbit_compute_samples_total', help: 'State vectors computed by succeeded orbit.propagate jobs', registers: [metrics] }),
    };

    let stopping = false;
    const desk = new JobDesk({
      catalog, jobs, queue, stopping: () => stopping,
      maxSamples: config.caps.computeMaxSamples,
      maxBacklog: config.caps.computeMaxBacklog,
      onSubmitted: (type) => submitted.inc({ type }),
      onQueueFailed: (jobId, error) => logger.error({ err: error, jobId }, 'could not queue job'),
    });

    await pool.start();
    let consumer: Consumer;
    try {
      consumer = await queue.consume<JobMessage>(
        QUEUES.jobs,
        createJobHandler({ jobs, pool, catalog, telemetry, maxSamples: config.caps.computeMaxSamples, events, logger, metrics: runnerMetrics, maxAttempts: QUEUE_OPTIONS[QUEUES.jobs].maxAttempts, stopping: () => stopping }),
        // One job per worker: each job spreads its chunks over every free worker anyway.
        { prefetch: config.compute.workers },
      );
    } catch (error) {
      // Live worker threads would keep the process from exiting.
      await pool.close();
      throw error;
    }

    return {
      value: { desk, idempotency } satisfies ComputeApi,
      isReady: () => pool.running && queue.isReady(),
      async stop() {
        stopping = true;
        // Jobs are bounded (at most ORBIT_COMPUTE_MAX_SAMPLES samples) and usually finish in seconds; past
        // the grace period closing the pool abandons them, and they are queued again.
        const grace = setTimeout(() => void pool.close(), STOP_GRACE_MS);
        try {
          await consumer.close();
        } finally {
          clearTimeout(grace);
          await pool.close();
        }
      },
    };
  },
  async routes(http, api, config) {
    await computeRoutes(http, api, config);
    await jobsPages(http, api);
  },
});
