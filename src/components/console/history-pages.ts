/**
 * The history explorer's route: reads what the page shows through the same functions, and
 * the same checks, as the REST history routes; a refused query shows the page again with
 * the problem beside its field, answered with the problem's status.
 */
import type { FastifyRequest } from 'fastify';
import { formErrors, NO_ERRORS } from '../../platform/html/form.ts';
import { sendHtml } from '../../platform/html/pages.ts';
import { fromUtcInput } from '../../platform/html/utc-time.ts';
import type { HttpServer } from '../../platform/http.ts';
import { badRequest, HttpProblem } from '../../platform/problem.ts';
import type { ConsoleApi } from './api.ts';
import { allOf, firstOf, type RawQuery } from './query-check.ts';
import { historyPage, READINGS_PAGE, type HistoryQuery, type HistoryView } from './pages/history/page.ts';
import type { ChannelPlot } from './pages/history/plot.ts';
import { bucketStepSeconds, DEFAULT_PRESET, MAX_BUCKETS, presetMs } from './pages/history/range.ts';
import { buckets, pointsPage, resolveRange, type ResolvedRange } from './telemetry-history.ts';

/** Up to this many readings a plot draws one by one; a range holding more is plotted by buckets. */
const RAW_PLOT_LIMIT = 1000;
/** Readings read for a state band plot. */
const STATE_PLOT_LIMIT = 5000;
const FIELDS = ['spacecraft', 'channel', 'from', 'to', 'cursor'];


function historyQuery(raw: RawQuery): HistoryQuery {
  return {
    spacecraft: firstOf(raw.spacecraft), channels: [...new Set(allOf(raw.channel))], from: firstOf(raw.from), to: firstOf(raw.to),
    last: firstOf(raw.last), table: firstOf(raw.table), cursor: firstOf(raw.cursor), prev: allOf(raw.prev),
  };
}

/** The range's times: typed ones as the API reads them; what is left open comes from the preset (or the last hour) up to now. */
function rangeOf(q: HistoryQuery, now: number): { from?: string; to?: string; fill: (r: ResolvedRange) => { from: number; to: number } } {
  const span = presetMs(q.last) ?? presetMs(DEFAULT_PRESET)!;
  return {
    from: fromUtcInput(q.from), to: fromUtcInput(q.to),
    fill: (r) => {
      const to = r.to ?? now;
      const from = r.from ?? to - span;
      if (from >= to) throw badRequest('invalid time range', [{ pointer: 'querystring/to', detail: 'is not after the start of the range' }]);
      return { from, to };
    },
  };
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
  const { from, to, fill } = rangeOf(query, now);
  const view: HistoryView = { spacecraft, channels, query, range: { from: now - presetMs(DEFAULT_PRESET)!, to: now }, errors: NO_ERRORS, plots: [] };
  if (!chosen) return { view, status: 200 };
  try {
    const ranges = await Promise.all(picked.map((channel) => resolveRange(api, { spacecraft: chosen, channel, from, to })));
    view.range = ranges[0] ? fill(ranges[0]) : view.range;
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
  app.get('/console/history', { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const { view, status } = await historyView(api, request.query as RawQuery, Date.now());
    return sendHtml(reply, historyPage(view), status);
  });
}
