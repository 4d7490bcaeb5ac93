/**
 * Taking compute jobs: POST /v1/jobs records a job and queues it on compute.jobs;
 * GET /v1/jobs/{id} reads it back with its result.
 */
import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { QUEUES } from '../../core/messages.ts';
import type { TaskQueue } from '../../engines/queue/port.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { HttpProblem, badRequest, type FieldError } from '../../platform/problem.ts';
import type { Spacecraft } from '../../core/schemas.ts';
import type { JobStore } from '../../stores/jobs/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import { checkTimeRange } from './check-params.ts';
import { toResult } from './propagate.ts';
import type { StateTable } from './propagate.ts';
import { decodeStates, isStoredStates } from './result-codec.ts';
import type { Job, JobCreate, JobMessage, StoredPropagateParams } from './schemas.ts';

/** A job without its result. */
export type JobSummary = Omit<Static<typeof Job>, 'result'>;

export interface JobDeskDeps {
  catalog: MissionCatalog;
  jobs: JobStore;
  queue: TaskQueue;
  stopping(): boolean;
  /** Samples one propagation may compute (ORBIT_COMPUTE_MAX_SAMPLES). */
  maxSamples?: number;
  /** Jobs waiting for a worker before submissions are refused with 503 (ORBIT_COMPUTE_MAX_BACKLOG). */
  maxBacklog?: number;
  onSubmitted?(type: string): void;
  onQueueFailed?(jobId: string, error: unknown): void;
}

export class JobDesk {
  readonly #deps: JobDeskDeps;

  constructor(deps: JobDeskDeps) {
    this.#deps = deps;
  }

  /** Records and queues a job; throws the problem that names every bad parameter. */
  async submit({ type, params }: Static<typeof JobCreate>, traceparent?: string): Promise<string> {
    const { catalog, jobs, queue } = this.#deps;
    if (this.#deps.stopping()) throw new HttpProblem(503, 'shutting down', { retryAfterSeconds: 1 });
    const errors: FieldError[] = [];
    const range = checkTimeRange(params, errors, this.#deps.maxSamples);
    const tle = await catalog.tle(params.spacecraft);
    if (tle === undefined) {
      const unknown = { pointer: '/params/spacecraft', detail: `no spacecraft "${params.spacecraft}"` };
      if (!errors.length) throw new HttpProblem(404, `no spacecraft "${params.spacecraft}"`, { errors: [unknown] });
      errors.push(unknown);
    } else if (tle === null) {
      errors.push({ pointer: '/params/spacecraft', detail: `spacecraft "${params.spacecraft}" has no TLE to propagate` });
    }
    if (errors.length || !range || !tle) throw badRequest(`${errors.length} problem(s) in the job parameters`, errors);
    await this.#checkBacklog();

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
        headers: cloudEventHeaders('orbit.compute.job.v1', '/orbit/compute', { id, traceparent }),
      });
    } catch (error) {
      // Without its message the job would stay queued forever: take it back.
      await jobs.delete(id);
      this.#deps.onQueueFailed?.(id, error);
      throw new HttpProblem(503, 'the job queue is unavailable, retry shortly', { retryAfterSeconds: 5 });
    }
    this.#deps.onSubmitted?.(type);
    return id;
  }

  /**
   * A full backlog answers 503 rather than queueing work the workers would take minutes to
   * reach. The depth is asked per submission (jobs are few); unknown depth (the broker's
   * management API away) lets the job through, as publishing then fails or succeeds on its own.
   */
  async #checkBacklog(): Promise<void> {
    const max = this.#deps.maxBacklog;
    if (max === undefined) return;
    const waiting = await this.#deps.queue.depth(QUEUES.jobs).then((d) => d.ready, () => 0);
    if (waiting >= max) {
      throw new HttpProblem(503, `${waiting} compute jobs are waiting for a worker, the most ORBIT_COMPUTE_MAX_BACKLOG allows is ${max}; retry shortly`, { retryAfterSeconds: 5 });
    }
  }

  /** A job with its result decoded, undefined when there is none. */
  async get(id: string): Promise<Static<typeof Job> | undefined> {
    const job = await this.#deps.jobs.get(id, { withResult: true });
    if (!job) return undefined;
    if (isStoredStates(job.result)) job.result = toResult(decodeStates(job.result));
    return job as Static<typeof Job>;
  }

  /** The newest jobs first, without their results. */
  async recent(limit: number): Promise<JobSummary[]> {
    return (await this.#deps.jobs.recent(limit)) as JobSummary[];
  }

  /** A job without its result: cheap enough to poll. */
  async summary(id: string): Promise<JobSummary | undefined> {
    return (await this.#deps.jobs.get(id)) as JobSummary | undefined;
  }

  /** A job with its result as computed (not expanded into samples), for pages that show part of it or stream it. */
  async withStates(id: string): Promise<{ job: JobSummary; states?: StateTable } | undefined> {
    const stored = await this.#deps.jobs.get(id, { withResult: true });
    if (!stored) return undefined;
    const { result, ...job } = stored;
    return { job: job as JobSummary, ...(isStoredStates(result) && { states: decodeStates(result) }) };
  }

  /** The spacecraft a propagation can fly: those with an element set. */
  async propagatable(): Promise<Spacecraft[]> {
    return (await this.#deps.catalog.listSpacecraft()).filter((s) => s.tle);
  }
}
