/**
 * Taking compute jobs: POST /v1/jobs records a job and queues it on compute.jobs;
 * GET /v1/jobs/{id} reads it back with its result's summary, /result its rows in pages or
 * as a stream; POST /v1/jobs/{id}/cancel stops it.
 */
import { randomUUID } from 'node:crypto';
import { QUEUES } from '../../core/messages.ts';
import type { TaskQueue } from '../../engines/queue/port.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { HttpProblem, badRequest, type FieldError } from '../../platform/problem.ts';
import type { Spacecraft } from '../../core/schemas.ts';
import { isFinishedState, type JobStore } from '../../stores/jobs/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import { jobKind, JOB_TYPES } from './jobs/index.ts';
import { statesOf, type StoredPropagateParams } from './jobs/propagate.ts';
import type { StateTable } from './propagate.ts';
import { decodeCursor, encodeCursor, MAX_PAGE_PARTS } from './result-cursor.ts';
import type { Job, JobCreate, JobMessage } from './schemas.ts';

/** A job as the API shows it. */
export type JobSummary = Job;

export interface ResultPage {
  rows: unknown[];
  total: number;
  next?: string;
}

export interface JobDeskDeps {
  catalog: MissionCatalog;
  jobs: JobStore;
  queue: TaskQueue;
  stopping(): boolean;
  /** Samples one job may compute (ORBIT_COMPUTE_MAX_SAMPLES). */
  maxSamples?: number;
  /** Jobs waiting for a worker before submissions are refused with 503 (ORBIT_COMPUTE_MAX_BACKLOG). */
  maxBacklog?: number;
  onSubmitted?(type: string): void;
  onQueueFailed?(jobId: string, error: unknown): void;
}

const DEFAULT_MAX_SAMPLES = 100_000;

export class JobDesk {
  readonly #deps: JobDeskDeps;

  constructor(deps: JobDeskDeps) {
    this.#deps = deps;
  }

  /** Records and queues a job; throws the problem that names every bad parameter. */
  async submit({ type, params }: JobCreate, traceparent?: string): Promise<string> {
    const { catalog, jobs, queue } = this.#deps;
    if (this.#deps.stopping()) throw new HttpProblem(503, 'shutting down', { retryAfterSeconds: 1 });
    const kind = jobKind(type);
    if (!kind) throw badRequest(`unknown job type "${type}"`, [{ pointer: '/type', detail: `"${type}" is not a job type; known: ${JOB_TYPES.join(', ')}` }]);
    const errors: FieldError[] = [];
    const stored = await kind.resolve(params, { catalog, maxSamples: this.#deps.maxSamples ?? DEFAULT_MAX_SAMPLES }, errors);
    if (errors.length || stored === undefined) throw badRequest(`${errors.length} problem(s) in the job parameters`, errors);
    await this.#checkBacklog();

    const id = randomUUID();
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

  /** A job with its result's summary. */
  async get(id: string): Promise<JobSummary | undefined> {
    return (await this.#deps.jobs.get(id)) as JobSummary | undefined;
  }

  /** The newest jobs first. */
  async recent(limit: number): Promise<JobSummary[]> {
    return (await this.#deps.jobs.recent(limit)) as JobSummary[];
  }

  /**
   * Stops a queued or running job (idempotent: cancelling a cancelled job answers it as
   * it is); 404 for no such job, 409 for one that finished.
   */
  async cancel(id: string): Promise<JobSummary> {
    const outcome = await this.#deps.jobs.cancel(id);
    if (!outcome) throw new HttpProblem(404, `no job "${id}"`);
    const { job } = outcome;
    if (job.state !== 'cancelled') throw new HttpProblem(409, `job "${id}" has ${job.state}: only a queued or running job can be cancelled`);
    return job as JobSummary;
  }

  /** A succeeded job, or the problem that says why there is no result to read. */
  async #succeeded(id: string): Promise<JobSummary> {
    const job = await this.get(id);
    if (!job) throw new HttpProblem(404, `no job "${id}"`);
    if (job.state !== 'succeeded') throw new HttpProblem(409, `job "${id}" is ${job.state}: it has no result${isFinishedState(job.state) ? '' : ' yet'}`);
    return job;
  }

  /** `limit` rows of a succeeded job's result from the cursor (the start when absent). */
  async resultPage(id: string, cursor: string | undefined, limit: number): Promise<ResultPage> {
    const job = await this.#succeeded(id);
    const kind = jobKind(job.type)!;
    const from = cursor === undefined ? 0 : decodeCursor(cursor);
    const total = job.result!.rows;
    const rows: unknown[] = [];
    let at = from;
    while (rows.length < limit && at < total) {
      const parts = await this.#deps.jobs.parts(id, at, MAX_PAGE_PARTS);
      if (!parts.length) break;
      for (const part of parts) {
        if (rows.length >= limit) break;
        const partRows = kind.rows(part, job.params);
        const take = partRows.slice(at - part.first, at - part.first + limit - rows.length);
        rows.push(...take);
        at += take.length;
      }
    }
    return { rows, total, ...(at < total && { next: encodeCursor(at) }) };
  }

  /** The job, and an iterator of its result's rows a stored part at a time: memory stays that of one part, whatever the result's size. */
  async resultRows(id: string): Promise<{ job: JobSummary; rows: AsyncGenerator<unknown[]> }> {
    const job = await this.#succeeded(id);
    const kind = jobKind(job.type)!;
    const parts = this.#deps.jobs;
    async function* rows() {
      let at = 0;
      for (;;) {
        const [part] = await parts.parts(id, at, 1);
        if (!part) return;
        yield kind.rows(part, job.params);
        at = part.first + part.count;
      }
    }
    return { job, rows: rows() };
  }

  /** A propagation with its states, for the console pages that draw or page through them. */
  async withStates(id: string): Promise<{ job: JobSummary; states?: StateTable } | undefined> {
    const job = await this.get(id);
    if (!job) return undefined;
    if (job.state !== 'succeeded' || job.type !== 'orbit.propagate') return { job };
    const rows = job.result!.rows;
    const parts = await this.#deps.jobs.parts(id, 0, rows + 1);
    return { job, states: statesOf(parts, job.params as unknown as StoredPropagateParams) };
  }

  /** Every spacecraft, for a job on their telemetry. */
  async spacecraft(): Promise<Spacecraft[]> {
    return this.#deps.catalog.listSpacecraft();
  }

  /** The spacecraft a propagation can fly: those with an element set. */
  async propagatable(): Promise<Spacecraft[]> {
    return (await this.#deps.catalog.listSpacecraft()).filter((s) => s.tle);
  }
}
