/**
 * The jobs pages, served by the compute target beside POST /v1/jobs: the form's body is
 * checked against the route's own schema (`checkBody(JobCreate)`) and submitted through
 * the same desk, so the page refuses what the API refuses, with the same errors.
 */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { formErrors, NO_ERRORS } from '../../../platform/html/form.ts';
import { consolePages, seeOther, sendHtml } from '../../../platform/html/pages.ts';
import { fromInputValue, toInputValue } from '../../../platform/html/times.ts';
import type { HttpServer } from '../../../platform/http.ts';
import { HttpProblem } from '../../../platform/problem.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';
import type { JobDesk } from '../desk.ts';
import { checkJobBody } from '../schemas.ts';
import { isFinished, jobLive, jobNotFoundPage, jobPage, type JobView } from './job-page.ts';
import { JOB_FIELDS, jobsPage, type PropagationForm } from './jobs-list.ts';
import { SPECTRUM_FIELDS, spectrumPage, type SpectrumForm } from './spectrum-form.ts';
import { landRings } from './land.ts';
import { SHOWN_PASSES } from './passes-result.ts';
import type { PassRow } from '../../../core/orbit/passes.ts';
import { csvPieces } from './samples.ts';

const RECENT_JOBS = 50;
/** htmx stops polling when an answer has this status. */
const STOP_POLLING = 286;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const JobPageQuery = Type.Object({ offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }) });

/** A first form: the next 90 minutes, every minute (about one low orbit). */
function defaultForm(): PropagationForm {
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  return { spacecraft: '', from: toInputValue(now.toISOString()), to: toInputValue(new Date(now.getTime() + 90 * 60_000).toISOString()), stepSeconds: '60' };
}

/** A first spectrum form: the last hour, segments of 1024, Hann window, mean removed. */
function defaultSpectrumForm(): SpectrumForm {
  const now = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  return { spacecraft: '', channels: '', from: toInputValue(new Date(now.getTime() - 3_600_000).toISOString()), to: toInputValue(now.toISOString()), segmentLength: '1024', window: 'hann', detrend: 'mean' };
}

/** Numbers as numbers, text that is not one left as text, for the schema to name. */
const numberOrText = (value: string) => (value === '' || Number.isNaN(Number(value)) ? value : Number(value));

function spectrumBody(form: SpectrumForm): unknown {
  const channels = form.channels.split(',').map((c) => c.trim()).filter(Boolean);
  return {
    type: 'telemetry.spectrum',
    params: { spacecraft: form.spacecraft, channels, from: fromInputValue(form.from), to: fromInputValue(form.to), segmentLength: numberOrText(form.segmentLength), window: form.window, detrend: form.detrend },
  };
}

/** The API body the form stands for; the step stays text when it is not a number, for the schema to name. */
function jobBody(form: PropagationForm, type: string): unknown {
  const step = form.stepSeconds === '' || Number.isNaN(Number(form.stepSeconds)) ? form.stepSeconds : Number(form.stepSeconds);
  return { type, params: { spacecraft: form.spacecraft, from: fromInputValue(form.from), to: fromInputValue(form.to), stepSeconds: step } };
}

/** `api` is read in handlers only: `orbit targets` registers routes of modules it never starts. */
export function jobsPages(http: HttpServer, api: { desk: JobDesk }): Promise<void> {
  const view = async (id: string, offset: number): Promise<JobView | undefined> => {
    const summary = await api.desk.get(id);
    if (!summary) return undefined;
    // The result (megabytes for a long job) is read only once there is one to show.
    if (summary.state === 'succeeded' && summary.type === 'orbit.passes') {
      const { rows } = await api.desk.resultPage(id, undefined, SHOWN_PASSES);
      return { job: summary, passes: rows as PassRow[], offset };
    }
    const found = summary.state === 'succeeded' && summary.type === 'orbit.propagate' ? await api.desk.withStates(id) : { job: summary };
    return found && { ...found, offset, land: landRings() };
  };

  return consolePages(http, (app) => {
    app.get('/console/jobs', { config: { access: 'viewer' }, schema: { hide: true } }, async (_request, reply) => {
      const [jobs, spacecraft] = await Promise.all([api.desk.recent(RECENT_JOBS), api.desk.propagatable()]);
      return sendHtml(reply, jobsPage({ jobs, spacecraft, form: defaultForm(), errors: NO_ERRORS }));
    });

    app.get('/console/jobs/spectrum', { config: { access: 'viewer' }, schema: { hide: true } }, async (_request, reply) => {
      return sendHtml(reply, spectrumPage({ spacecraft: await api.desk.spacecraft(), form: defaultSpectrumForm(), errors: NO_ERRORS }));
    });

    app.post('/console/jobs', { config: { access: 'operator' }, schema: { hide: true } }, async (request, reply) => {
      const posted = (request.body ?? {}) as FormValues;
      const field = (name: string) => text(posted, name).trim();
      if (field('type') === 'telemetry.spectrum') {
        const form: SpectrumForm = {
          spacecraft: field('params.spacecraft'), channels: field('params.channels'), from: field('params.from'), to: field('params.to'),
          segmentLength: field('params.segmentLength'), window: field('params.window'), detrend: field('params.detrend'),
        };
        try {
          const id = await api.desk.submit(checkJobBody(spectrumBody(form)));
          return seeOther(reply, `/console/jobs/${encodeURIComponent(id)}`);
        } catch (error) {
          if (!(error instanceof HttpProblem)) throw error;
          if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
          return sendHtml(reply, spectrumPage({ spacecraft: await api.desk.spacecraft(), form, errors: formErrors(error, SPECTRUM_FIELDS) }), error.status);
        }
      }
      const form: PropagationForm = { spacecraft: field('params.spacecraft'), from: field('params.from'), to: field('params.to'), stepSeconds: field('params.stepSeconds') };
      try {
        const id = await api.desk.submit(checkJobBody(jobBody(form, field('type'))));
        return seeOther(reply, `/console/jobs/${encodeURIComponent(id)}`);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        const [jobs, spacecraft] = await Promise.all([api.desk.recent(RECENT_JOBS), api.desk.propagatable()]);
        return sendHtml(reply, jobsPage({ jobs, spacecraft, form, errors: formErrors(error, JOB_FIELDS) }), error.status);
      }
    });

    app.get('/console/jobs/:id', { config: { access: 'viewer' }, schema: { hide: true, params: IdParams, querystring: JobPageQuery } }, async (request, reply) => {
      const found = await view(request.params.id, request.query.offset);
      if (!found) return sendHtml(reply, jobNotFoundPage(request.params.id), 404);
      return sendHtml(reply, jobPage(found));
    });

    app.post('/console/jobs/:id/cancel', { config: { access: 'operator' }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      try {
        await api.desk.cancel(request.params.id);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        if (error.status === 404) return sendHtml(reply, jobNotFoundPage(request.params.id), 404);
        // 409: it finished first; its page says how.
      }
      return seeOther(reply, `/console/jobs/${encodeURIComponent(request.params.id)}`);
    });

    app.get('/console/jobs/:id/live', { config: { access: 'viewer' }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const found = await view(request.params.id, 0);
      if (!found) return sendHtml(reply, jobNotFoundPage(request.params.id), 404);
      return sendHtml(reply, jobLive(found, true), isFinished(found.job) ? STOP_POLLING : 200);
    });

    app.get('/console/jobs/:id/result.csv', { config: { access: 'viewer' }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const found = await api.desk.withStates(request.params.id);
      if (!found) throw new HttpProblem(404, `no job "${request.params.id}"`);
      if (!found.states) throw new HttpProblem(409, `job "${request.params.id}" is ${found.job.state}: it has no result`);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="propagation-${found.job.id}.csv"`)
        .send(Readable.from(csvPieces(found.states)));
    });
  });
}
