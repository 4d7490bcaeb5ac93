/**
 * The alarm desk's pages, served by the analyzer beside the alert API they share their
 * code with: the filter goes through the API's filter schema and `alertQuery`, and each
 * action through its body schema (`checkBody`) and `performAction`.
 */
import { Type } from 'typebox';
import { HttpProblem } from '../../../platform/problem.ts';
import { formErrors, NO_ERRORS } from '../../../platform/html/form.ts';
import { consolePages, seeOther, sendHtml } from '../../../platform/html/pages.ts';
import { fromInputValue, toInputValue } from '../../../platform/html/times.ts';
import type { HttpServer } from '../../../platform/http.ts';
import { checkBody, checkQuery } from '../../../platform/validation.ts';
import { ALERT_ACTIONS, ALERT_VERBS, AlertFilter, alertQuery, performAction, type AlertVerb, type AnalyzerApi } from '../alert-desk.ts';
import { actionBody } from './action-body.ts';
import { rememberActor, rememberedActor as actorOf } from '../../../platform/html/actor.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';
import { FILTER_FIELDS, alarmListPage, alarmTable, type AlarmTable, type FilterForm } from './alarm-list.ts';
import { ACTION_FIELDS, alertDetailPage, alertLive, alertNotFoundPage } from './alert-detail.ts';

const PAGE_SIZE = 50;


/** The filter form's fields as typed, and the URL query that keeps them. */
function filterFormOf(query: FormValues): { form: FilterForm; query: string; offset: number } {
  const form = Object.fromEntries(FILTER_FIELDS.map((name) => [name, text(query, name).trim()])) as unknown as FilterForm;
  // A link may carry the API's form of a time (…Z); the time inputs show it without the zone.
  form.from = toInputValue(form.from);
  form.to = toInputValue(form.to);
  const kept = new URLSearchParams(FILTER_FIELDS.filter((name) => form[name]).map((name): [string, string] => [name, form[name]]));
  const offset = Number(text(query, 'offset') || 0);
  return { form, query: kept.toString(), offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0 };
}

/** One page of the alerts the form asks for, read as `GET /v1/alerts` reads them; throws the same 400 for a bad filter. */
async function readTable(api: AnalyzerApi, form: FilterForm, query: string, offset: number): Promise<AlarmTable> {
  const filter: Record<string, unknown> = { limit: PAGE_SIZE + 1, offset };
  for (const name of FILTER_FIELDS) if (form[name]) filter[name] = name === 'from' || name === 'to' ? fromInputValue(form[name]) : form[name];
  const alerts = await api.alerts.list(alertQuery(checkQuery(AlertFilter, filter)));
  return { alerts: alerts.slice(0, PAGE_SIZE), hasMore: alerts.length > PAGE_SIZE, query, offset, pageSize: PAGE_SIZE, readAt: new Date().toISOString() };
}

const emptyTable = (query: string): AlarmTable => ({ alerts: [], hasMore: false, query, offset: 0, pageSize: PAGE_SIZE, readAt: new Date().toISOString() });

const IdParams = Type.Object({ id: Type.String() });
const ActionParams = Type.Object({ id: Type.String(), verb: Type.Union(ALERT_VERBS.map((v) => Type.Literal(v))) });

export function alarmDeskPages(http: HttpServer, api: AnalyzerApi): Promise<void> {
  return consolePages(http, (app) => {
    app.get('/console/alerts', { config: { access: 'viewer' }, schema: { hide: true } }, async (request, reply) => {
      const { form, query, offset } = filterFormOf(request.query as FormValues);
      const [missions, spacecraft] = await Promise.all([api.catalog.listMissions(), api.catalog.listSpacecraft()]);
      try {
        const table = await readTable(api, form, query, offset);
        return sendHtml(reply, alarmListPage({ form, errors: NO_ERRORS, missions, spacecraft, table }));
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        const errors = formErrors(error, FILTER_FIELDS);
        return sendHtml(reply, alarmListPage({ form, errors, missions, spacecraft, table: emptyTable(query) }), error.status);
      }
    });

    app.get('/console/alerts/table', { config: { access: 'viewer' }, schema: { hide: true } }, async (request, reply) => {
      const { form, query, offset } = filterFormOf(request.query as FormValues);
      return sendHtml(reply, alarmTable(await readTable(api, form, query, offset), true));
    });

    app.get('/console/alerts/:id', { config: { access: 'viewer' }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const alert = await api.alerts.get(request.params.id);
      if (!alert) return sendHtml(reply, alertNotFoundPage(request.params.id), 404);
      return sendHtml(reply, alertDetailPage({ alert, actor: actorOf(request), errors: NO_ERRORS }));
    });

    app.get('/console/alerts/:id/live', { config: { access: 'viewer' }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const alert = await api.alerts.get(request.params.id);
      if (!alert) return sendHtml(reply, alertNotFoundPage(request.params.id), 404);
      return sendHtml(reply, alertLive(alert));
    });

    app.post('/console/alerts/:id/:verb', { config: { access: 'operator' }, schema: { hide: true, params: ActionParams } }, async (request, reply) => {
      const { id, verb } = request.params as { id: string; verb: AlertVerb };
      const form = (request.body ?? {}) as FormValues;
      // Signed in with a key, the key's name is who acted, whatever the field says.
      const by = request.principal?.name ?? text(form, 'by').trim();
      if (by) rememberActor(reply, by);
      try {
        await performAction(api, id, verb, checkBody(ALERT_ACTIONS[verb].body, actionBody(verb, { ...form, by })));
        return seeOther(reply, `/console/alerts/${encodeURIComponent(id)}`);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        const alert = await api.alerts.get(id);
        if (!alert) return sendHtml(reply, alertNotFoundPage(id), 404);
        const posted = Object.fromEntries(ACTION_FIELDS.map((name) => [name, text(form, name)]));
        // `id` is where a refusal points (params/id): the notice above the form says it already.
        const errors = formErrors(error, [...ACTION_FIELDS, 'id']);
        return sendHtml(reply, alertDetailPage({ alert, actor: by, posted, errors }), error.status);
      }
    });
  });
}
