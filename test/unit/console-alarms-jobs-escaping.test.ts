/**
 * Every value a user can set that the alarm desk and jobs pages show (names, ids,
 * messages, comments, people, job parameters, the form's own posted text) reaches the
 * page as text, never as markup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alarmListPage, alarmTable, type AlarmTable } from '../../src/components/analyzer/pages/alarm-list.ts';
import { alertDetailPage } from '../../src/components/analyzer/pages/alert-detail.ts';
import type { JobSummary } from '../../src/components/compute/desk.ts';
import { jobPage } from '../../src/components/compute/pages/job-page.ts';
import { jobsPage } from '../../src/components/compute/pages/jobs-list.ts';
import type { Alert } from '../../src/core/schemas.ts';
import { NO_ERRORS, formErrors } from '../../src/platform/html/form.ts';
import { HttpProblem } from '../../src/platform/problem.ts';

const EVIL = `<script>alert(1)</script>"'`;
/** Markup that must never appear: the hostile value as it was sent. */
const assertEscaped = (out: string, what: string) => {
  assert.ok(!out.includes('<script>alert(1)'), `${what}: a value reached the page as markup`);
  assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;'), `${what}: the value is shown, escaped`);
};

const alert: Alert = {
  id: `a1${EVIL}`, spacecraft: `sc${EVIL}`, channel: `ch${EVIL}`, rule: 'limit', severity: 'critical', state: 'shelved', value: 50, threshold: 40,
  message: `msg${EVIL}`, openedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:01.000Z', acknowledgedBy: `ack${EVIL}`,
  shelvedBy: `shelf${EVIL}`, shelvedUntil: '2026-01-01T01:00:00.000Z', assignedTo: `to${EVIL}`,
  history: [{ at: '2026-01-01T00:00:01.000Z', from: 'open', to: 'shelved', action: 'shelve', severity: 'critical', value: 50, by: `by${EVIL}`, comment: `comment${EVIL}` }],
};
const table: AlarmTable = { alerts: [alert], query: `spacecraft=${encodeURIComponent(EVIL)}`, offset: 50, pageSize: 50, hasMore: true, readAt: '2026-01-01T00:00:02.000Z' };

test('the alarm desk list escapes alert fields, filter values and missions', () => {
  const out = alarmListPage({
    form: { mission: EVIL, spacecraft: EVIL, severity: EVIL, state: EVIL, from: EVIL, to: EVIL },
    errors: formErrors(new HttpProblem(400, `bad${EVIL}`, { errors: [{ pointer: 'querystring/from', detail: `detail${EVIL}` }] }), ['from']),
    missions: [{ id: `m${EVIL}`, name: `mission${EVIL}`, autoRegisterChannels: false, createdAt: '2026-01-01T00:00:00.000Z' }],
    spacecraft: [{ id: `s${EVIL}`, missionId: 'm', name: `name${EVIL}`, createdAt: '2026-01-01T00:00:00.000Z' }],
    table,
  }).value;
  assertEscaped(out, 'list page');
  for (const value of ['msg', 'sc', 'ch', 'to', 'mission', 'name', 'bad', 'detail']) assert.ok(out.includes(`${value}&lt;script&gt;`), value);
  assertEscaped(alarmTable(table, true).value, 'table fragment');
});

test("an alert's page escapes every field, its history and the posted form", () => {
  const out = alertDetailPage({
    alert, actor: `actor${EVIL}`, posted: { by: `posted${EVIL}`, comment: `c${EVIL}`, until: EVIL, to: `t${EVIL}`, forSeconds: EVIL },
    errors: formErrors(new HttpProblem(409, `refused${EVIL}`), ['by']),
  }).value;
  assertEscaped(out, 'alert page');
  for (const value of ['ack', 'shelf', 'by', 'comment', 'posted', 'refused', 'a1']) assert.ok(out.includes(`${value}&lt;script&gt;`), value);
});

const job: JobSummary = {
  id: `j1${EVIL}`, type: `orbit.propagate${EVIL}`, state: 'failed', progress: 0.5, error: `error${EVIL}`, createdAt: '2026-01-01T00:00:00.000Z',
  params: { spacecraft: `sc${EVIL}`, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', stepSeconds: 60, tle: ['1', '2'] },
};

test('the jobs pages escape job parameters, errors and the posted form', () => {
  const list = jobsPage({
    jobs: [job], spacecraft: [{ id: `s${EVIL}`, missionId: 'm', name: `name${EVIL}`, createdAt: '2026-01-01T00:00:00.000Z' }],
    form: { spacecraft: EVIL, from: EVIL, to: EVIL, stepSeconds: EVIL }, errors: NO_ERRORS,
  }).value;
  assertEscaped(list, 'jobs page');
  assert.ok(list.includes('sc&lt;script&gt;'));
  const one = jobPage({ job, offset: 0 }).value;
  assertEscaped(one, 'job page');
  for (const value of ['sc', 'error', 'j1']) assert.ok(one.includes(`${value}&lt;script&gt;`), value);
});
