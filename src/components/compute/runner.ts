/**
 * The compute.jobs consumer: one delivery runs one job to its final state.
 *
 * - A job already finished is not run again; its compute.results event is published
 *   again (a crash may have come between the state change and the event), keyed by the
 *   job id so readers can drop the repeat.
 * - Failures of the job itself (SGP4 errors, an unusable TLE) are final at once: the
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
import type { Job, JobStore } from '../../stores/jobs/store.ts';
import { PoolClosedError, WorkerTaskError } from './pool.ts';
import { propagateOnPool, type PropagationPool } from './propagate.ts';
import { encodeStates } from './result-codec.ts';
import type { JobMessage, StoredPropagateParams } from './schemas.ts';

/** Value of a compute.results event: the finished job without its (possibly large) result; fetch that with GET /v1/jobs/{id}. */
export type JobFinishedEvent = Omit<Job<StoredPropagateParams>, 'result'>;

export interface RunnerMetrics {
  jobs: Counter<'type' | 'outcome'>;
  duration: Histogram<'type'>;
  samples: Counter;
}

export interface RunnerOptions {
  jobs: JobStore;
  pool: PropagationPool;
  events: EventLog;
  logger: Logger;
  metrics: RunnerMetrics;
  /** The queue's maxAttempts: the delivery after which a retryable failure becomes final. */
  maxAttempts: number;
  stopping(): boolean;
}

const isJobFailure = (error: unknown): error is Error => error instanceof Sgp4Error || error instanceof TleError || error instanceof WorkerTaskError;

export function createJobHandler(o: RunnerOptions): (delivery: Delivery<JobMessage>) => Promise<void> {
  const publishFinished = async (job: Job, delivery: Delivery<JobMessage>): Promise<void> => {
    const { result: _result, ...value } = job as Job<StoredPropagateParams>;
    await o.events.publish(TOPICS.computeResults, [
      {
        key: job.id,
        value: value satisfies JobFinishedEvent,
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
    if (existing.state === 'succeeded' || existing.state === 'failed') {
      await publishFinished(existing, delivery);
      return;
    }
    if (existing.type !== 'orbit.propagate') {
      // Written by a newer version, perhaps: this one cannot run it, and retrying will not teach it.
      const failed = await o.jobs.fail(id, `job type "${existing.type}" is not supported by this compute worker`);
      if (failed) await publishFinished(failed, delivery);
      return;
    }
    const job = await o.jobs.start(id);
    if (!job) return;
    const log = o.logger.child({ jobId: id, type: job.type, attempt: delivery.attempt });
    const end = o.metrics.duration.startTimer({ type: job.type });
    // Progress writes go one at a time, in order, without holding up the workers.
    const progress = new Serial();
    const drain = () => progress.run(async () => undefined);
    let finished: Job | undefined;
    try {
      const params = job.params as StoredPropagateParams;
      const table = await propagateOnPool(
        o.pool,
        { line1: params.tle[0], line2: params.tle[1], fromMs: Date.parse(params.from), toMs: Date.parse(params.to), stepMs: params.stepSeconds * 1000 },
        (fraction) => {
          if (fraction <= 0 || fraction >= 1) return;
          progress.run(() => o.jobs.progress(id, fraction)).catch((error: unknown) => log.warn({ err: error }, 'progress update failed'));
        },
      );
      await drain();
      finished = await o.jobs.succeed(id, encodeStates(table));
      o.metrics.samples.inc(table.count);
      o.metrics.jobs.inc({ type: job.type, outcome: 'succeeded' });
      log.info({ samples: table.count }, 'job succeeded');
    } catch (error) {
      await drain();
      if (error instanceof PoolClosedError && o.stopping()) {
        await o.jobs.requeue(id);
        log.info('job abandoned at shutdown; it will run again');
        throw error;
      }
      const final = isJobFailure(error) || delivery.attempt >= o.maxAttempts;
      if (!final) {
        log.warn({ err: error }, 'job attempt failed; it will be retried');
        throw error;
      }
      const message = isJobFailure(error) ? error.message : `failed after ${delivery.attempt} attempts: ${error instanceof Error ? error.message : String(error)}`;
      finished = await o.jobs.fail(id, message);
      o.metrics.jobs.inc({ type: job.type, outcome: 'failed' });
      log.info({ error: message }, 'job failed');
    } finally {
      end();
    }
    // Outside the try: if publishing fails the message is retried, finds the job finished and publishes again.
    if (finished) await publishFinished(finished, delivery);
  };
}
