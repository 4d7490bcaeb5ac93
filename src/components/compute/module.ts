/**
 * Compute: POST /v1/jobs records a job and queues it on compute.jobs; the consumer
 * runs it on a pool of worker threads, keeps progress and the result in the jobs
 * table, and announces the final state on compute.results.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Static } from 'typebox';
import { defineModule } from '../../platform/modules.ts';
import { HttpProblem, badRequest, type FieldError } from '../../platform/problem.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { QUEUES, TOPICS } from '../../core/messages.ts';
import type { SqlStore } from '../../engines/sql/port.ts';
import type { Consumer } from '../../engines/queue/port.ts';
import { checkTimeRange } from './check-params.ts';
import { JobStore } from './job-store.ts';
import { MAX_SAMPLES } from './plan.ts';
import { createPropagationPool, toResult } from './propagate.ts';
import { decodeStates, isStoredStates } from './result-codec.ts';
import { createJobHandler } from './runner.ts';
import { JOB_TYPES, Job, JobAccepted, JobCreate, JobId, type JobMessage, type StoredPropagateParams } from './schemas.ts';

const QUEUE_OPTIONS = { maxAttempts: 3, retryDelayMs: 2000 };
/** How long stop() lets running jobs finish before abandoning them to redelivery. */
const STOP_GRACE_MS = 5_000;

/** The spacecraft's TLE, null when it has none, undefined when there is no such spacecraft. */
async function tleOf(sql: SqlStore, spacecraft: string): Promise<[string, string] | null | undefined> {
  const { rows } = await sql.query<{ tle_line1: string | null; tle_line2: string | null }>('SELECT tle_line1, tle_line2 FROM spacecraft WHERE id = $1', [spacecraft]);
  if (!rows[0]) return undefined;
  return rows[0].tle_line1 && rows[0].tle_line2 ? [rows[0].tle_line1, rows[0].tle_line2] : null;
}

export const computeModule = defineModule({
  name: 'compute',
  deps: ['sql', 'queue', 'events'],
  target: { description: 'Heavy jobs (orbit propagation) on a worker-thread pool', routes: ['POST /v1/jobs', 'GET /v1/jobs/{id}'] },
  async start({ config, http, metrics, logger, get }) {
    const sql = get('sql');
    const queue = get('queue');
    const events = get('events');
    const jobs = new JobStore(sql);
    await queue.assertQueue(QUEUES.jobs, QUEUE_OPTIONS);
    await events.createTopic(TOPICS.computeResults, { partitions: config.events.partitions });

    const crashes = new Counter({ name: 'orbit_compute_worker_crashes_total', help: 'Worker threads that died and were replaced', registers: [metrics] });
    const pool = createPropagationPool(config.compute.workers, {
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

    http.post('/v1/jobs', {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a compute job',
        description: `orbit.propagate: SGP4/SDP4 states of a spacecraft's TLE from \`from\` to \`to\` every \`stepSeconds\` (at most ${MAX_SAMPLES} samples). Poll GET /v1/jobs/{id} for progress and the result.`,
        body: JobCreate,
        response: { 202: JobAccepted, 400: ProblemSchema, 404: ProblemSchema, 503: ProblemSchema },
      },
      // Before schema validation: an unknown type gets one clear answer instead of complaints about parameters it never had.
      preValidation: async (request) => {
        const type = (request.body as { type?: unknown } | undefined)?.type;
        if (typeof type === 'string' && !(JOB_TYPES as readonly string[]).includes(type)) {
          throw badRequest(`unknown job type "${type}"`, [{ pointer: '/type', detail: `"${type}" is not a job type; known: ${JOB_TYPES.join(', ')}` }]);
        }
      },
    }, async (request, reply) => {
      if (stopping) throw new HttpProblem(503, 'shutting down', { retryAfterSeconds: 1 });
      const { type, params } = request.body;
      const errors: FieldError[] = [];
      const range = checkTimeRange(params, errors);
      const tle = await tleOf(sql, params.spacecraft);
      if (tle === undefined) {
        const unknown = { pointer: '/params/spacecraft', detail: `no spacecraft "${params.spacecraft}"` };
        if (!errors.length) throw new HttpProblem(404, `no spacecraft "${params.spacecraft}"`, { errors: [unknown] });
        errors.push(unknown);
      } else if (tle === null) {
        errors.push({ pointer: '/params/spacecraft', detail: `spacecraft "${params.spacecraft}" has no TLE to propagate` });
      }
      if (errors.length || !range || !tle) throw badRequest(`${errors.length} problem(s) in the job parameters`, errors);

      const id = randomUUID();
      const stored: StoredPropagateParams = {
        spacecraft: params.spacecraft,
        from: new Date(range.fromMs).toISOString(),
        to: new Date(range.toMs).toISOString(),
        stepSeconds: params.stepSeconds,
        tle,
      };
      await jobs.create(id, type, stored);
      try {
        const message: JobMessage = { id, type };
        await queue.publish(QUEUES.jobs, message, {
          id,
          headers: cloudEventHeaders('orbit.compute.job.v1', '/orbit/compute', { id, traceparent: request.headers.traceparent as string | undefined }),
        });
      } catch (error) {
        // Without its message the job would stay queued forever: take it back.
        await jobs.delete(id);
        request.log.error({ err: error, jobId: id }, 'could not queue job');
        throw new HttpProblem(503, 'the job queue is unavailable, retry shortly', { retryAfterSeconds: 5 });
      }
      submitted.inc({ type });
      return reply.status(202).header('location', `/v1/jobs/${id}`).send({ id, state: 'queued' });
    });

    http.get('/v1/jobs/:id', {
      schema: {
        tags: ['jobs'],
        summary: 'A job: state, progress, and its result once succeeded',
        params: JobId,
        response: { 200: Job, 404: ProblemSchema },
      },
    }, async (request, reply) => {
      const job = await jobs.get(request.params.id, { withResult: true });
      if (!job) throw new HttpProblem(404, `no job "${request.params.id}"`);
      if (isStoredStates(job.result)) job.result = toResult(decodeStates(job.result));
      // Serialised here rather than by the schema: for 100,000 samples JSON.stringify
      // takes a third of the time, and the handler built every field itself.
      return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(job as Static<typeof Job>);
    });

    await pool.start();
    let consumer: Consumer;
    try {
      consumer = await queue.consume<JobMessage>(
        QUEUES.jobs,
        createJobHandler({ jobs, pool, events, logger, metrics: runnerMetrics, maxAttempts: QUEUE_OPTIONS.maxAttempts, stopping: () => stopping }),
        // One job per worker: each job spreads its chunks over every free worker anyway.
        { prefetch: config.compute.workers },
      );
    } catch (error) {
      // Live worker threads would keep the process from exiting.
      await pool.close();
      throw error;
    }

    return {
      value: undefined,
      isReady: () => pool.running && queue.isReady(),
      async stop() {
        stopping = true;
        // Jobs are bounded (at most MAX_SAMPLES states) and usually finish in seconds; past
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
});
