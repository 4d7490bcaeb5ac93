/**
 * The history explorer and log pages as templates, without a server: every value a user
 * can set (spacecraft, channel and service names, units, string readings, log messages
 * and fields, what was typed in the forms) comes out escaped. And the log search's cursor
 * pages through entries that share a millisecond without losing or repeating one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry, LogIndex, LogQuery } from '../../src/engines/logs/port.ts';
import { LOG_LEVELS, searchLogs, type LogsQuery } from '../../src/components/console/log-search.ts';
import { historyPage } from '../../src/components/console/pages/history/page.ts';
import { logsPage } from '../../src/components/console/pages/logs.ts';
import { escapeHtml } from '../../src/platform/html/html.ts';
import { formErrors, NO_ERRORS } from '../../src/platform/html/form.ts';
import { badRequest } from '../../src/platform/problem.ts';

const EVIL = `<img src=x onerror="alert('x')">&`;
const T = Date.parse('2026-12-07T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The markup must hold the hostile text only escaped, and hold it where it was put. */
function assertEscaped(markup: string, times: number) {
  assert.ok(!markup.includes('<img'), 'no element made from a value');
  assert.ok(!markup.includes(`onerror="alert`), 'no attribute made from a value');
  const escaped = markup.split(escapeHtml(EVIL)).length - 1;
  assert.ok(escaped >= times, `the value shown escaped ${escaped} times, expected at least ${times}`);
}

test('the history explorer escapes spacecraft, channels, units, string readings and the typed range', () => {
  const markup = historyPage({
    spacecraft: [{ id: EVIL, name: EVIL }],
    channels: [{ name: EVIL, type: 'number', unit: EVIL }, { name: `${EVIL}2`, type: 'string' }],
    query: { spacecraft: EVIL, channels: [EVIL, `${EVIL}2`], from: EVIL, to: EVIL, last: EVIL, table: `${EVIL}2`, cursor: EVIL, prev: [EVIL] },
    range: { from: T, to: T + 3_600_000 },
    errors: formErrors(badRequest(EVIL, [{ pointer: 'querystring/from', detail: EVIL }, { pointer: 'querystring/cursor', detail: EVIL }]), ['from', 'cursor']),
    plots: [
      { kind: 'numeric', channel: EVIL, unit: EVIL, points: [{ time: T, mean: 1, min: 0, max: 2 }, { time: T + 60_000, mean: 2, min: 1, max: 3 }], stepMs: 60_000 },
      { kind: 'state', channel: `${EVIL}2`, runs: [{ from: T, to: T + 3_000_000, value: EVIL }], truncated: true },
    ],
    buckets: { channel: EVIL, stepSeconds: 60, buckets: [{ time: iso(T), min: 0, max: 2, avg: 1, count: 3 }] },
    readings: { channel: `${EVIL}2`, points: [{ time: iso(T), value: EVIL, raw: EVIL }], next: EVIL },
  }).value;
  assertEscaped(markup, 12);
});

test('the log page escapes messages, services, modules, trace ids, fields and the typed search', () => {
  const markup = logsPage({
    form: { q: EVIL, service: EVIL, module: EVIL, level: EVIL, from: EVIL, to: EVIL, traceId: EVIL, limit: EVIL, cursor: EVIL },
    levels: LOG_LEVELS,
    errors: formErrors(badRequest(EVIL, [{ pointer: 'querystring/q', detail: EVIL }]), ['q']),
    entries: [{ time: iso(T), level: 'error', msg: EVIL, service: EVIL, module: EVIL, traceId: EVIL, fields: { [EVIL]: EVIL, nested: { v: EVIL } } }],
    next: EVIL,
  }).value;
  assertEscaped(markup, 10);
  assert.ok(markup.includes(`href="/console/logs?traceId=${escapeHtml(new URLSearchParams({ traceId: EVIL }).toString().slice('traceId='.length))}"`), 'the trace id links to its search');
});

test('with no search refused, the log page shows the count and no problem', () => {
  const markup = logsPage({ form: {}, levels: LOG_LEVELS, errors: NO_ERRORS, entries: [] }).value;
  assert.match(markup, /0 entries/);
  assert.ok(!markup.includes('role="alert"'));
});

/** A log index over a fixed list, ordered as the real ones order: newest first, later arrivals first among equal times. */
function fixedIndex(entries: LogEntry[]): LogIndex {
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.time - a.e.time || b.i - a.i).map((x) => x.e);
  return {
    index: async () => {},
    isReady: () => true,
    close: async () => {},
    search: async (q: LogQuery) => ordered.filter((e) => (q.to === undefined || e.time <= q.to) && (q.from === undefined || e.time >= q.from)).slice(0, q.limit),
  };
}

test('the log cursor visits every entry once, newest first, across entries of the same millisecond', async () => {
  // Five at one millisecond, more than a page of two: the cursor must count them.
  const times = [T, T + 1, T + 1, T + 1, T + 1, T + 1, T + 2, T + 3, T + 3];
  const entries = times.map((time, i) => ({ time, level: 'info' as const, msg: `line ${i}`, service: 'all' }));
  const logs = fixedIndex(entries);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchLogs(logs, { limit: 2, cursor } as LogsQuery);
    seen.push(...page.entries.map((e) => e.msg));
    cursor = page.next;
  } while (cursor);
  assert.deepEqual(seen, ['line 8', 'line 7', 'line 6', 'line 5', 'line 4', 'line 3', 'line 2', 'line 1', 'line 0']);
});

test('a log search with a bad time or a forged cursor is refused naming the parameter', async () => {
  const logs = fixedIndex([]);
  await assert.rejects(searchLogs(logs, { limit: 10, from: 'yesterday' } as LogsQuery), (e: { status: number; errors: { pointer: string }[] }) => e.status === 400 && e.errors[0]!.pointer === 'querystring/from');
  await assert.rejects(searchLogs(logs, { limit: 10, cursor: 'forged' } as LogsQuery), (e: { status: number; errors: { pointer: string }[] }) => e.status === 400 && e.errors[0]!.pointer === 'querystring/cursor');
});
