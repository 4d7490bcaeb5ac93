/**
 * The jobs table and the parts of their results. State only moves forward (queued ->
 * running -> succeeded | failed | cancelled; queued -> cancelled; running -> queued when a
 * stopping process hands a job back), and every update names the states it may start
 * from, so a late or repeated delivery cannot undo a result or a cancellation.
 *
 * A job row keeps a small summary of its result (`result`, with `rows`, the number of
 * result rows); the rows themselves are in job_result_parts, in the job type's encoding,
 * written in the same transaction as the state `succeeded`.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const isFinishedState = (state: JobState) => FINISHED_STATES.includes(state);

export interface Job<P = unknown, R = unknown> {
  id: string;
  type: string;
  state: JobState;
  progress: number;
  params: P;
  result?: R;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** `count` result rows from row `first`, as the job type encoded them. */
export interface ResultPart {
  first: number;
  count: number;
  data: string;
}

interface JobRow {
  id: string;
  type: string;
  state: JobState;
  progress: number;
  params: unknown;
  result: unknown;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const jobOf = (r: JobRow): Job => ({
  id: r.id,
  type: r.type,
  state: r.state,
  progress: r.progress,
  params: r.params,
  ...(r.result !== undefined && r.result !== null && { result: r.result }),
  ...(r.error !== null && { error: r.error }),
  createdAt: toIso(r.created_at),
  ...(r.started_at && { startedAt: toIso(r.started_at) }),
  ...(r.finished_at && { finishedAt: toIso(r.finished_at) }),
});

const COLUMNS = 'id, type, state, progress, params, result, error, created_at, started_at, finished_at';

export class JobStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async create(id: string, type: string, params: unknown): Promise<Job> {
    const { rows } = await this.#sql.query<JobRow>(`INSERT INTO jobs (id, type, params, state) VALUES ($1, $2, $3::jsonb, 'queued') RETURNING ${COLUMNS}`, [
      id,
      type,
      JSON.stringify(params),
    ]);
    return jobOf(rows[0]!);
  }

  /** For a job whose message never reached the queue. */
  async delete(id: string): Promise<void> {
    await this.#sql.query('DELETE FROM jobs WHERE id = $1', [id]);
  }

  /** A job with the summary of its result. */
  async get(id: string): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0] && jobOf(rows[0]);
  }

  /** The newest jobs first. */
  async recent(limit: number): Promise<Job[]> {
    const { rows } = await this.#sql.query<JobRow>(`SELECT ${COLUMNS} FROM jobs ORDER BY created_at DESC, id LIMIT $1`, [limit]);
    return rows.map(jobOf);
  }

  /** Queued (or running, after a crash) -> running from scratch. Undefined when the job is missing, finished or cancelled. */
  async start(id: string): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'running', progress = 0, started_at = now(), error = NULL
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] && jobOf(rows[0]);
  }

  /** Records progress; false when the job is no longer running (cancelled, or finished elsewhere), so the runner can stop. */
  async progress(id: string, fraction: number): Promise<boolean> {
    const { rows } = await this.#sql.query(`UPDATE jobs SET progress = GREATEST(progress, $2) WHERE id = $1 AND state = 'running' RETURNING id`, [id, fraction]);
    return rows.length > 0;
  }

  /** Running -> succeeded with the result's summary and parts, in one transaction; undefined (and nothing stored) when the job was cancelled meanwhile. */
  async succeed(id: string, summary: unknown, parts: readonly ResultPart[]): Promise<Job | undefined> {
    return this.#sql.transaction(async (tx) => {
      const { rows } = await tx.query<JobRow>(
        `UPDATE jobs SET state = 'succeeded', progress = 1, result = $2::jsonb, error = NULL, finished_at = now()
         WHERE id = $1 AND state = 'running' RETURNING ${COLUMNS}`,
        [id, JSON.stringify(summary)],
      );
      if (!rows[0]) return undefined;
      // A part at a time: one statement of every part would be a single string of the whole result.
      for (const part of parts) {
        await tx.query('INSERT INTO job_result_parts (job_id, first_row, row_count, data) VALUES ($1, $2, $3, $4)', [id, part.first, part.count, part.data]);
      }
      return jobOf(rows[0]);
    });
  }

  async fail(id: string, error: string): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${COLUMNS}`,
      [id, error],
    );
    return rows[0] && jobOf(rows[0]);
  }

  /**
   * Queued or running -> cancelled. Answers the job as it is afterwards (already cancelled
   * or finished when it was not queued or running), undefined when there is no such job.
   */
  async cancel(id: string): Promise<{ job: Job; changed: boolean } | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'cancelled', finished_at = now()
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${COLUMNS}`,
      [id],
    );
    if (rows[0]) return { job: jobOf(rows[0]), changed: true };
    const job = await this.get(id);
    return job && { job, changed: false };
  }

  /** Running -> queued, for a job a stopping process abandons; its message is redelivered. */
  async requeue(id: string): Promise<void> {
    await this.#sql.query(`UPDATE jobs SET state = 'queued', progress = 0, started_at = NULL WHERE id = $1 AND state = 'running'`, [id]);
  }

  /** Up to `limit` parts of a job's result, in row order, the first one holding row `fromRow` (or later). */
  async parts(id: string, fromRow: number, limit: number): Promise<ResultPart[]> {
    const { rows } = await this.#sql.query<{ first_row: number; row_count: number; data: string }>(
      'SELECT first_row, row_count, data FROM job_result_parts WHERE job_id = $1 AND first_row + row_count > $2 ORDER BY first_row LIMIT $3',
      [id, fromRow, limit],
    );
    return rows.map((r) => ({ first: r.first_row, count: r.row_count, data: r.data }));
  }
}

/** Compute jobs: the only reader and writer of the jobs and job_result_parts tables. */
export const JOBS = service<JobStore>('jobs');
