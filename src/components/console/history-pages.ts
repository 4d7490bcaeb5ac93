/**
 * The history explorer's route: reads what the page shows through the same functions, and
 * the same checks, as the REST history routes; a refused query shows the page again with
 * the problem beside its field, answered with the problem's status.
 */
import type { FastifyRequest } from 'fastify';
import { formErrors, NO_ERRORS } from '../../platform/html/form.ts';
import { sendHtml } from '../../platform/html/pages.ts';
import { fromInputValue } from '../../platform/html/times.ts';
import type { HttpServer } from '../../platform/http.ts';
import { badRequest, HttpProblem, notFound } from '../../platform/problem.ts';
import type { ConsoleApi } from './api.ts';
import { allOf, firstOf, type RawQuery } from './raw-query.ts';
import { historyPage, READINGS_PAGE, type HistoryQuery, type HistoryView } from './pages/history/page.ts';
import type { ChannelPlot } from './pages/history/plot.ts';
import { bucketStepSeconds, DEFAULT_PRESET, MAX_BUCKETS, presetMs } from './pages/history/range.ts';
import { buckets, pointsPage, resolveRange, type ResolvedRange } from './telemetry-history.ts';

/** Up to this many readings a plot draws one by one; a range holding more is plotted by buckets. */
const RAW_PLOT_LIMIT = 1000;
/** Readings read for a state band plot. */
const STATE_PLOT_LIMIT = 5000;
/** The form's fields: an error naming another parameter (a forged cursor) is listed above the form. */
const FIELDS = ['spacecraft', 'channel', 'from', 'to'];


function historyQuery(raw: RawQuery): HistoryQuery {
  return {
    spacecraft: firstOf(raw.spacecraft), channels: [...new Set(allOf(raw.channel))], from: firstOf(raw.from), to: firstOf(raw.to),
    last: firstOf(raw.last), table: firstOf(raw.table), cursor: firstOf(raw.cursor), prev: allOf(raw.prev),
  };
}

/** The range shown: the times typed, as the API read them; what is left open is counted back from now by the preset (or an hour). */
function shownRange(typed: { from?: number; to?: number }, preset: string | undefined, now: number): { from: number; to: number } {
  const to = typed.to ?? now;
  const from = typed.from ?? to - (presetMs(preset) ?? presetMs(DEFAULT_PRESET)!);
  if (from >= to) throw badRequest('invalid time range', [{ pointer: 'querystring/to', detail: 'is not after the start of the range' }]);
  return { from, to };
}

async function plotOf(api: ConsoleApi, r: ResolvedRange, span: { from: number; to: number }, unit: string | undefined): Promise<{ plot: ChannelPlot; buckets?: HistoryView['buckets'] }> {
  const range = { ...r, ...span };
  if (r.type !== 'number') {
    const { points, next } = await pointsPage(api, range, STATE_PLOT_LIMIT);
    const runs: { from: number; to: number; value: string }[] = [];
    for (const p of points) {
      const time = Date.parse(p.time);
      const value = String(p.value);
      const last = runs.at(-1);
      if (last) last.to = time;
      if (last?.value !== value) runs.push({ from: time, to: time, value });
    }
    return { plot: { kind: 'state', channel: r.channel, runs, truncated: next !== undefined } };
  }
  const raw = await pointsPage(api, range, RAW_PLOT_LIMIT);
  if (!raw.next) {
    const points = raw.points.flatMap((p) => (typeof p.value === 'number' ? [{ time: Date.parse(p.time), mean: p.value, min: p.value, max: p.value }] : []));
    return { plot: { kind: 'numeric', channel: r.channel, unit, points } };
  }
  const stepSeconds = bucketStepSeconds(span.to - span.from);
  const found = await buckets(api, range, stepSeconds, MAX_BUCKETS + 1);
  const points = found.map((b) => ({ time: Date.parse(b.time), mean: b.avg, min: b.min, max: b.max }));
  return { plot: { kind: 'numeric', channel: r.channel, unit, points, stepMs: stepSeconds * 1000 }, buckets: { channel: r.channel, stepSeconds, buckets: found } };
}

async function historyView(api: ConsoleApi, raw: RawQuery, now: number): Promise<{ view: HistoryView; status: number }> {
  const asked = historyQuery(raw);
  const spacecraft = await api.catalog.listSpacecraft();
  const chosen = asked.spacecraft ?? spacecraft[0]?.id;
  const channels = chosen ? await api.catalog.listChannels(chosen) : [];
  const picked = asked.channels.length ? asked.channels : channels.slice(0, 1).map((c) => c.name);
  const query: HistoryQuery = { ...asked, spacecraft: chosen, channels: picked };
  const view: HistoryView = { spacecraft, channels, query, range: shownRange({}, query.last, now), errors: NO_ERRORS, plots: [] };
  if (!chosen) return { view, status: 200 };
  try {
    if (!spacecraft.some((s) => s.id === chosen)) throw notFound(`no spacecraft "${chosen}"`);
    const typed = { from: fromInputValue(query.from), to: fromInputValue(query.to) };
    const ranges = await Promise.all(picked.map((channel) => resolveRange(api, { spacecraft: chosen, channel, ...typed })));
    if (ranges[0]) view.range = shownRange(ranges[0], query.last, now);
    const units = new Map(channels.map((c) => [c.name, c.unit]));
    const table = ranges.find((r) => r.channel === query.table) ?? ranges[0];
    const plots = await Promise.all(ranges.map((r) => plotOf(api, r, view.range, units.get(r.channel))));
    view.plots = plots.map((p) => p.plot);
    view.buckets = plots.find((p) => p.buckets?.channel === table?.channel)?.buckets;
    if (table) view.readings = { channel: table.channel, ...(await pointsPage(api, { ...table, ...view.range }, READINGS_PAGE, query.cursor)) };
    return { view, status: 200 };
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { view: { ...view, plots: [], buckets: undefined, readings: undefined, errors: formErrors(error, FIELDS) }, status: error.status };
  }
}

export function historyPages(app: HttpServer, api: ConsoleApi): void {
  app.get('/console/history', { config: { access: 'viewer' }, schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const { view, status } = await historyView(api, request.query as RawQuery, Date.now());
    return sendHtml(reply, historyPage(view), status);
  });
}
