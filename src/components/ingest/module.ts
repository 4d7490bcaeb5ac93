/**
 * Ingest: POST /v1/telemetry. Validates at the edge, then puts the whole batch on
 * the task queue as one message and answers 202 once that message is durable.
 */
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { Counter, Histogram } from 'prom-client';
import { defineModule } from '../../platform/modules.ts';
import { HttpProblem, badRequest, schemaFieldErrors, type FieldError, type SchemaError } from '../../platform/problem.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { Accepted, NdjsonReading, TelemetryBatch } from '../../core/schemas.ts';
import { QUEUES, type IngestBatch } from '../../core/messages.ts';
import { toEpochMs } from '../../core/time.ts';
import { checkGroup, type CheckedGroup, type LocatedReading } from './validate.ts';

const ndjsonLine = Compile(NdjsonReading);
const BACKLOG_SAMPLE_MS = 250;

/** NDJSON body -> readings grouped by spacecraft, with every line's problems. */
function parseNdjson(text: string, maxReadings: number, errors: FieldError[]): Map<string, LocatedReading[]> {
  const groups = new Map<string, LocatedReading[]>();
  const lines = text.split('\n');
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    if (++count > maxReadings) throw new HttpProblem(413, `a batch holds at most ${maxReadings} readings`);
    const pointer = `/${i}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ pointer, detail: `line ${i + 1} is not valid JSON: ${(error as Error).message}` });
      continue;
    }
    if (!ndjsonLine.Check(value)) {
      for (const e of schemaFieldErrors(ndjsonLine.Errors(value), pointer)) errors.push({ pointer: e.pointer, detail: `line ${i + 1}: ${e.detail}` });
      continue;
    }
    const reading = { channel: value.channel, time: toEpochMs(value.time), value: value.value, pointer };
    const group = groups.get(value.spacecraft);
    if (group) group.push(reading);
    else groups.set(value.spacecraft, [reading]);
  }
  if (count === 0) errors.push({ pointer: '/', detail: 'the body holds no readings' });
  return groups;
}

export const ingestModule = defineModule({
  name: 'ingest',
  deps: ['missions', 'queue'],
  target: { description: 'REST ingestion of telemetry (JSON batch and NDJSON) onto the task queue', routes: ['POST /v1/telemetry'] },
  async start({ config, http, metrics, get }) {
    const catalog = get('missions');
    const queue = get('queue');
    await queue.assertQueue(QUEUES.ingest, { maxAttempts: 5, retryDelayMs: 500 });
    const { maxBatchReadings, ingestMaxInflight, ingestMaxBacklog: maxBacklog } = config.limits;

    const readings = new Counter({ name: 'orbit_ingest_readings_total', help: 'Telemetry readings received, by outcome', labelNames: ['outcome'], registers: [metrics] });
    const batches = new Counter({ name: 'orbit_ingest_batches_total', help: 'Telemetry batches received, by outcome', labelNames: ['outcome'], registers: [metrics] });
    const enqueueSeconds = new Histogram({
      name: 'orbit_ingest_enqueue_duration_seconds', help: 'Time to make an accepted batch durable on the task queue', registers: [metrics],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    let inflight = 0;
    let draining = false;
    // The queue's backlog, sampled rather than asked per request.
    let backlog = 0;
    const sampleBacklog = setInterval(() => {
      // Unknown depth (broker or its management API away) must not keep refusing for ever:
      // publishing then fails or succeeds on its own.
      queue.depth(QUEUES.ingest).then((d) => (backlog = d.ready), () => (backlog = 0));
    }, BACKLOG_SAMPLE_MS);
    sampleBacklog.unref();

    http.post('/v1/telemetry', {
      schema: {
        tags: ['telemetry'],
        summary: 'Ingest a batch of readings',
        description: `JSON: one spacecraft's readings. NDJSON: one reading per line, any spacecraft. The batch is accepted whole or rejected whole; at most ${maxBatchReadings} readings.`,
        body: {
          content: {
            'application/json': { schema: TelemetryBatch },
            'application/x-ndjson': { schema: Type.String({ description: 'One {spacecraft, channel, time, value} object per line' }) },
          },
        },
        response: { 202: Accepted, 400: ProblemSchema, 413: ProblemSchema, 503: ProblemSchema },
      },
      attachValidation: true,
      preValidation: async (request) => {
        const body = request.body as { readings?: unknown[] } | undefined;
        if (Array.isArray(body?.readings) && body.readings.length > maxBatchReadings) {
          throw new HttpProblem(413, `a batch holds at most ${maxBatchReadings} readings, this one has ${body.readings.length}`);
        }
      },
    }, async (request, reply) => {
      if (draining || inflight >= ingestMaxInflight || backlog >= maxBacklog) {
        batches.inc({ outcome: 'throttled' });
        if (draining) throw new HttpProblem(503, 'shutting down', { retryAfterSeconds: 1 });
        if (backlog >= maxBacklog) throw new HttpProblem(503, `the processors are behind by ${backlog} batches, retry shortly`, { retryAfterSeconds: 2 });
        throw new HttpProblem(503, 'too many batches in flight, retry shortly', { retryAfterSeconds: 1 });
      }
      inflight++;
      try {
        const errors: FieldError[] = [];
        const located = new Map<string, { pointer: string; readings: LocatedReading[] }>();
        if (typeof request.body === 'string') {
          for (const [spacecraft, list] of parseNdjson(request.body, maxBatchReadings, errors)) located.set(spacecraft, { pointer: `${list[0]!.pointer}/spacecraft`, readings: list });
        } else if (request.validationError) {
          // Name every bad field in one answer: the schema's findings, plus the mission
          // database's verdict on the readings that are well-formed.
          errors.push(...schemaFieldErrors((request.validationError.validation ?? []) as SchemaError[]));
          const body = request.body as Partial<TelemetryBatch> | null;
          const malformed = (i: number) => errors.some((e) => e.pointer === `/readings/${i}` || e.pointer.startsWith(`/readings/${i}/`));
          if (typeof body?.spacecraft === 'string' && Array.isArray(body.readings) && !errors.some((e) => e.pointer === '/spacecraft')) {
            located.set(body.spacecraft, {
              pointer: '/spacecraft',
              readings: body.readings.flatMap((r, i) => (malformed(i) ? [] : [{ channel: r.channel, time: toEpochMs(r.time), value: r.value, pointer: `/readings/${i}` }])),
            });
          }
        } else {
          const body = request.body as TelemetryBatch;
          located.set(body.spacecraft, {
            pointer: '/spacecraft',
            readings: body.readings.map((r, i) => ({ channel: r.channel, time: toEpochMs(r.time), value: r.value, pointer: `/readings/${i}` })),
          });
        }
        const groups: CheckedGroup[] = [];
        for (const [spacecraft, { pointer, readings: list }] of located) {
          const group = checkGroup(spacecraft, await catalog.spacecraftWith(spacecraft, new Set(list.map((r) => r.channel))), list, pointer, errors);
          if (group) groups.push(group);
        }
        const total = [...located.values()].reduce((n, g) => n + g.readings.length, 0);
        if (errors.length) {
          readings.inc({ outcome: 'rejected' }, total);
          batches.inc({ outcome: 'rejected' });
          throw badRequest(`${errors.length} problem(s) in the batch; nothing was stored`, errors);
        }
        for (const g of groups) {
          if (!g.newChannels.length) continue;
          await catalog.registerChannels(g.spacecraft, g.newChannels);
          // Another batch may have registered the same channel with another type meanwhile.
          const { pointer, readings: list } = located.get(g.spacecraft)!;
          checkGroup(g.spacecraft, await catalog.spacecraft(g.spacecraft), list, pointer, errors);
        }
        if (errors.length) {
          readings.inc({ outcome: 'rejected' }, total);
          batches.inc({ outcome: 'rejected' });
          throw badRequest(`${errors.length} problem(s) in the batch; nothing was stored`, errors);
        }

        const batch: IngestBatch = { batchId: randomUUID(), receivedAt: Date.now(), items: groups.map((g) => ({ spacecraft: g.spacecraft, readings: g.readings })) };
        const end = enqueueSeconds.startTimer();
        await queue.publish(QUEUES.ingest, batch, {
          id: batch.batchId,
          headers: cloudEventHeaders('orbit.telemetry.batch.v1', '/orbit/ingest', { id: batch.batchId, traceparent: request.headers.traceparent as string | undefined }),
        });
        end();
        readings.inc({ outcome: 'accepted' }, total);
        batches.inc({ outcome: 'accepted' });
        return reply.status(202).send({ batchId: batch.batchId, accepted: total });
      } finally {
        inflight--;
      }
    });

    return {
      value: undefined,
      isReady: () => queue.isReady(),
      async stop() {
        // New batches get 503; those already accepted are on the durable queue.
        draining = true;
        clearInterval(sampleBacklog);
      },
    };
  },
});
