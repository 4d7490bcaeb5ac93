/**
 * The log page's route: the search goes through the same schema and the same function as
 * `GET /v1/logs`; a refused one shows the page again with the problem beside its field.
 */
import type { FastifyRequest } from 'fastify';
import { formErrors, NO_ERRORS } from '../../platform/html/form.ts';
import { sendHtml } from '../../platform/html/pages.ts';
import { fromInputValue } from '../../platform/html/times.ts';
import type { HttpServer } from '../../platform/http.ts';
import { HttpProblem } from '../../platform/problem.ts';
import type { ConsoleApi } from './api.ts';
import { LOG_LEVELS, LogsQuery, searchLogs } from './log-search.ts';
import { logsPage, type LogSearchForm } from './pages/logs.ts';
import { checkQuery } from '../../platform/validation.ts';
import { firstOf, type RawQuery } from './raw-query.ts';

const PARAMS = ['q', 'service', 'module', 'level', 'from', 'to', 'traceId', 'limit', 'cursor'] as const;
/** The form's fields: errors naming another parameter (limit, a forged cursor) are listed above the form. */
const FIELDS = ['q', 'service', 'module', 'level', 'from', 'to', 'traceId'];

export function logPages(app: HttpServer, api: ConsoleApi): void {
  app.get('/console/logs', { config: { access: 'viewer' }, schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const raw = request.query as RawQuery;
    const form: LogSearchForm = Object.fromEntries(PARAMS.map((name) => [name, firstOf(raw[name])]));
    try {
      const query = checkQuery(LogsQuery, { ...form, from: fromInputValue(form.from), to: fromInputValue(form.to) });
      const { entries, next } = await searchLogs(api.logs, query);
      return sendHtml(reply, logsPage({ form, levels: LOG_LEVELS, errors: NO_ERRORS, entries, next }));
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      return sendHtml(reply, logsPage({ form, levels: LOG_LEVELS, errors: formErrors(error, FIELDS), entries: undefined }), error.status);
    }
  });
}
