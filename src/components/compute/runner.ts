/**
 * The compute.jobs consumer: one delivery runs one job to its final state.
 *
 * - The job's type (jobs/index.ts) plans its chunks, the pool runs them, the type assembles
 *   the result, stored with the state `succeeded` in one transaction.
 * - A job already finished or cancelled is not run again; its compute.results event is
 *   published again (a crash may have come between the state change and the event), keyed
 *   by the job id so readers can drop the repeat.
 * - A running job learns it was cancelled when it records progress after a chunk: the
 *   chunks not yet on a worker are dropped and nothing is stored.
 * - Failures of the job itself (SGP4 errors, no readings to analyse) are final at once: the
 *   job is marked failed and the message acked. Anything else (store, worker crash) is
 *   retried by the queue, and marked failed on the last attempt.
 * - A job abandoned because the process stops is handed back: queued again, message nacked.
 */
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import type { Delivery } from '../../engines/queue/port.ts';
import type { EventLog } from '../../engines/events/port.ts';
import { TOPICS } from '../../core/messages.ts';
import { Sgp4Error } from '../../core/orbit/sgp4.ts';
import { TleError } from '../../core/orbit/tle.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { activeTraceparent } from '../../platform/tracing.ts';
import { Serial } from '../../lib/serial.ts';
import { isFinishedState, type Job, type JobStore } from '../../stores/jobs/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { TelemetryStore } from '../../stores/telemetry/store.ts';
import { jobKind } from './jobs/index.ts';
import { JobFailure } from './kind.ts';
import { PoolClosedError, WorkerTaskError } from './pool.ts';
import { runChunks, type ComputePool } from './runner-chunks.ts';
import type { JobMessage } from './schemas.ts';

/** Value of a compute.results event: the finished job with its result's summary; read the rows with GET /v1/jobs/{id}/result. */
export type JobFinishedEvent = Job;

/** Why a running job stopped taking chunks. */
class JobCancelled extends Error {
  constructor() {
    super('the job was cancelled');
    this.name = 'JobCancelled';
  }
}

export interface RunnerMetrics {
  jobs: Counter<'type' | 'outcome'>;
  duration: Histogram<'type'>;
  samples: Counter;
}

export interface RunnerOptions {
  jobs: JobStore;
  pool: ComputePool;
  catalog: MissionCatalog;
  telemetry: TelemetryStore;
  /** ORBIT_COMPUTE_MAX_SAMPLES. */
  maxSamples: number;
  events: EventLog;
  logger: Logger;
  metrics: RunnerMetrics;
  /** The queue's maxAttempts: the delivery after which a retryable failure becomes final. */
  maxAttempts: number;
  stopping(): boolean;
}

const isJobFailure = (error: unknown): error is Error => error instanceof JobFailure || error instanceof Sgp4Error || error instanceof TleError || error instanceof WorkerTaskError;

export function createJobHandler(o: RunnerOptions): (delivery: Delivery<JobMessage>) => Promise<void> {
  const publishFinished = async (job: Job, delivery: Delivery<JobMessage>): Promise<void> => {
    await o.events.publish(TOPICS.computeResults, [
      {
        key: job.id,
        value: job satisfies JobFinishedEvent,
        headers: cloudEventHeaders('orbit.compute.job.finished.v1', '/orbit/compute', { id: `${job.id}:${job.state}`, traceparent: activeTraceparent() ?? delivery.headers.traceparent }),
      },
    ]);
  };

  return async (delivery) => {
    const { id } = delivery.body;
    const existing = await o.jobs.get(id);
    if (!existing) {
      o.logger.warn({ jobId: id }, 'job message for an unknown job; dropped');
      return;
    }
    if (isFinishedState(existing.state)) {
      await publishFinished(existing, delivery);
      return;
    }
    const kind = jobKind(existing.type);
    if (!kind) {
      // Written by a newer version, perhaps: this one cannot run it, and retrying will not teach it.
      const failed = await o.jobs.fail(id, `job type "${existing.type}" is not supported by this compute worker`);
      if (failed) await publishFinished(failed, delivery);
      return;
    }
    const job = await o.jobs.start(id);
    if (!job) {
      // Cancelled (or finished elsewhere) since it was read.
      const now = await o.jobs.get(id);
      if (now && isFinishedState(now.state)) await publishFinished(now, delivery);
      return;
    }
    const log = o.logger.child({ jobId: id, type: job.type, attempt: delivery.attempt });
    const end = o.metrics.duration.startTimer({ type: job.type });
    // Progress writes go one at a time, in order, without holding up the workers; one that
    // finds the job no longer running stops it.
    const progress = new Serial();
    const drain = () => progress.run(async () => undefined);
    const cancel = new AbortController();
    let finished: Job | undefined;
    try {
      const { chunks, context } = await kind.plan(job.params, { catalog: o.catalog, telemetry: o.telemetry, maxSamples: o.maxSamples });
      const outputs = await runChunks(o.pool, kind, chunks, {
        signal: cancel.signal,
        onProgress: (fraction) => {
          if (fraction >= 1) return;
          progress.run(async () => {
            if (!(await o.jobs.progress(id, fraction))) cancel.abort(new JobCancelled());
          }).catch((error: unknown) => log.warn({ err: error }, 'progress update failed'));
        },
      });
      await drain();
      const { summary, parts } = kind.assemble(job.params, outputs, context);
      finished = await o.jobs.succeed(id, summary, parts);
      if (!finished) throw new JobCancelled();
      if (job.type === 'orbit.propagate') o.metrics.samples.inc(summary.rows);
      o.metrics.jobs.inc({ type: job.type, outcome: 'succeeded' });
      log.info({ rows: summary.rows }, 'job succeeded');
    } catch (error) {
      await drain();
      if (error instanceof JobCancelled) {
        finished = await o.jobs.get(id);
        o.metrics.jobs.inc({ type: job.type, outcome: 'cancelled' });
        log.info('job cancelled');
      } else if (error instanceof PoolClosedError && o.stopping()) {
        await o.jobs.requeue(id);
        log.info('job abandoned at shutdown; it will run again');
        throw error;
      } else {
        const final = isJobFailure(error) || delivery.attempt >= o.maxAttempts;
        if (!final) {
          log.warn({ err: error }, 'job attempt failed; it will be retried');
          throw error;
        }
        const message = isJobFailure(error) ? error.message : `failed after ${delivery.attempt} attempts: ${error instanceof Error ? error.message : String(error)}`;
        finished = await o.jobs.fail(id, message);
        o.metrics.jobs.inc({ type: job.type, outcome: 'failed' });
        log.info({ error: message }, 'job failed');
      }
    } finally {
      end();
    }
    // Outside the try: if publishing fails the message is retried, finds the job finished and publishes again.
    if (finished) await publishFinished(finished, delivery);
  };
}
