/**
 * What a job type is. Each type is one module under jobs/ exporting a JobKind, listed once
 * in jobs/index.ts; the desk, the routes, the runner and the worker threads find it there
 * by its `type`. See docs/compute.md, "Adding a job type".
 */
import type { Static, TSchema } from 'typebox';
import type { FieldError } from '../../platform/problem.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { ResultPart } from '../../stores/jobs/store.ts';
import type { ReadingValue } from '../../core/schemas.ts';

export interface SubmitContext {
  catalog: MissionCatalog;
  /** ORBIT_COMPUTE_MAX_SAMPLES. */
  maxSamples: number;
}

/** What a job reads of the archive: the telemetry store's columns(), named here so the API's schemas stay free of the store. */
export interface ReadingSource {
  columns(q: { spacecraft: string; channel: string; from?: number; to?: number }, type: 'number'): AsyncIterable<{ times: ArrayLike<number>; values: ArrayLike<ReadingValue> }>;
}

export interface RunContext {
  catalog: MissionCatalog;
  telemetry: ReadingSource;
  maxSamples: number;
}

/** Every result summary says how many rows the result has; the rows are read in pages. */
export interface ResultSummary {
  rows: number;
}

/** A job that cannot succeed however often it is tried (no readings in its range, say): it fails at once with this message. */
export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailure';
  }
}

export interface Plan<Chunk, Context> {
  chunks: Chunk[];
  /** What assemble() needs besides the chunks' outputs; stays on the main thread. */
  context: Context;
}

export interface JobKind<Params extends TSchema = TSchema, Stored = unknown, Chunk = unknown, Output = unknown, Context = unknown> {
  type: string;
  /** One paragraph for POST /v1/jobs in /openapi.json. */
  description: string;
  /** The `params` of POST /v1/jobs for this type. */
  params: Params;
  /** The params as stored with the job (times normalised, defaults filled in), in GET /v1/jobs/{id}. */
  storedParams: TSchema;
  /** `result` of GET /v1/jobs/{id} once the job succeeded: small, with the number of rows. */
  summary: TSchema;
  /** One row of GET /v1/jobs/{id}/result (a page, or a line of NDJSON). */
  row: TSchema;
  /**
   * At submission, what the schema cannot check: adds a problem per bad field (pointers under
   * /params) and answers the params to store, or undefined when there were problems. May
   * throw an HttpProblem (404 for a missing spacecraft).
   */
  resolve(params: Static<Params>, ctx: SubmitContext, errors: FieldError[]): Promise<Stored | undefined>;
  /** On the compute target, when the job starts: the chunks to run on the worker threads. Throws JobFailure for a job that cannot run. */
  plan(params: Stored, ctx: RunContext): Promise<Plan<Chunk, Context>>;
  /** Share of the job's work in a chunk, for progress; 1 when absent. */
  weight?(chunk: Chunk): number;
  /** In a worker thread: one chunk's output. Typed arrays in it are transferred, not copied. */
  run(chunk: Chunk): Output;
  /** The result from every chunk's output (in chunk order): its summary, and its rows in parts of a few thousand. */
  assemble(params: Stored, outputs: Output[], context: Context): { summary: ResultSummary; parts: ResultPart[] };
  /** The API's rows of one stored part. */
  rows(part: ResultPart, params: Stored): unknown[];
}

/** Erases a kind's type parameters for the list: every use goes through `type` and the schemas. */
export const kind = <P extends TSchema, S, C, O, X>(k: JobKind<P, S, C, O, X>): JobKind => k as unknown as JobKind;
