/**
 * The jobs table. State only moves forward (queued -> running -> succeeded | failed;
 * running -> queued when a stopping process hands a job back), and every update names
 * the states it may start from, so a late or repeated delivery cannot undo a result.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import { toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

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

interface JobRow {
  id: string;
  type: string;
  state: JobState;
  progress: number;
  params: unknown;
  result?: unknown;
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

// Results can be tens of megabytes: only reads that need them fetch them.
const SUMMARY = 'id, type, state, progress, params, error, created_at, started_at, finished_at';

export class JobStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  async create(id: string, type: string, params: unknown): Promise<Job> {
    const { rows } = await this.#sql.query<JobRow>(`INSERT INTO jobs (id, type, params, state) VALUES ($1, $2, $3::jsonb, 'queued') RETURNING ${SUMMARY}`, [
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

  async get(id: string, options: { withResult?: boolean } = {}): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(`SELECT ${options.withResult ? '*' : SUMMARY} FROM jobs WHERE id = $1`, [id]);
    return rows[0] && jobOf(rows[0]);
  }

  /** The newest jobs first, without their results. */
  async recent(limit: number): Promise<Job[]> {
    const { rows } = await this.#sql.query<JobRow>(`SELECT ${SUMMARY} FROM jobs ORDER BY created_at DESC, id LIMIT $1`, [limit]);
    return rows.map(jobOf);
  }

  /** Queued (or running, after a crash) -> running from scratch. Undefined when the job is missing or finished. */
  async start(id: string): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'running', progress = 0, started_at = now(), error = NULL
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${SUMMARY}`,
      [id],
    );
    return rows[0] && jobOf(rows[0]);
  }

  async progress(id: string, fraction: number): Promise<void> {
    await this.#sql.query(`UPDATE jobs SET progress = $2 WHERE id = $1 AND state = 'running' AND progress < $2`, [id, fraction]);
  }

  async succeed(id: string, result: unknown): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'succeeded', progress = 1, result = $2::jsonb, error = NULL, finished_at = now()
       WHERE id = $1 AND state = 'running' RETURNING ${SUMMARY}`,
      [id, JSON.stringify(result)],
    );
    return rows[0] && jobOf(rows[0]);
  }

  async fail(id: string, error: string): Promise<Job | undefined> {
    const { rows } = await this.#sql.query<JobRow>(
      `UPDATE jobs SET state = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${SUMMARY}`,
      [id, error],
    );
    return rows[0] && jobOf(rows[0]);
  }

  /** Running -> queued, for a job a stopping process abandons; its message is redelivered. */
  async requeue(id: string): Promise<void> {
    await this.#sql.query(`UPDATE jobs SET state = 'queued', progress = 0, started_at = NULL WHERE id = $1 AND state = 'running'`, [id]);
  }
}

/** Compute jobs: the only reader and writer of the jobs table. */
export const JOBS = service<JobStore>('jobs');
