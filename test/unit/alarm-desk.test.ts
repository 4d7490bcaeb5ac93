/**
 * The alarm desk's shared code: the alert filter (mission, opening time, paging) on the
 * real store, and the API body an action's form stands for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertQuery } from '../../src/components/analyzer/alert-desk.ts';
import { actionBody } from '../../src/components/analyzer/pages/action-body.ts';
import type { HttpProblem } from '../../src/platform/problem.ts';
import { analyzerEnv } from '../support/components.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const { stores, spacecraft } = analyzerEnv('orbit-alarm-desk-');

const open = (sc: string, channel: string, at: number) =>
  stores.alerts.open({ spacecraft: sc, channel, rule: 'limit', severity: 'critical', value: 50, threshold: 40, message: `${channel} high`, at });

test('alerts are filtered by mission through the spacecraft, by opening time, and paged newest first', async () => {
  const a = await spacecraft({});
  const b = await spacecraft({});
  await open(a, 'one', T0);
  await open(a, 'two', T0 + 60_000);
  await open(b, 'three', T0 + 120_000);
  const channels = async (q: Parameters<typeof alertQuery>[0]) => (await stores.alerts.list(alertQuery(q))).map((x) => x.channel);
  const all = { limit: 100, offset: 0 };

  assert.deepEqual(await channels({ ...all, mission: `mission-of-${a}` }), ['two', 'one']);
  assert.deepEqual(await channels({ ...all, mission: 'no-such-mission' }), []);
  assert.deepEqual(await channels({ ...all, from: new Date(T0 + 60_000).toISOString() }), ['three', 'two']);
  assert.deepEqual(await channels({ ...all, to: String(T0 + 60_000) }), ['one'], 'to is exclusive, and takes epoch ms');
  assert.deepEqual(await channels({ limit: 2, offset: 0 }), ['three', 'two']);
  assert.deepEqual(await channels({ limit: 2, offset: 2 }), ['one']);
});

test('a filter time that is not one is refused naming the parameter', () => {
  assert.throws(() => alertQuery({ limit: 10, offset: 0, from: 'yesterday' }), (e: HttpProblem) => e.status === 400 && e.errors?.[0]?.pointer === 'querystring/from');
});

test("an action's form gives the fields its schema has: empty ones left out, nobody for an empty assignee, times read as UTC", () => {
  const form = { by: ' Ann ', comment: '', forSeconds: '900', until: '2030-01-01T10:00', to: '' };
  assert.deepEqual(actionBody('acknowledge', form), { by: 'Ann' });
  assert.deepEqual(actionBody('shelve', form), { by: 'Ann', forSeconds: 900, until: '2030-01-01T10:00:00Z' });
  assert.deepEqual(actionBody('assign', form), { by: 'Ann', to: null });
  assert.deepEqual(actionBody('assign', { ...form, to: 'Bob' }), { by: 'Ann', to: 'Bob' });
  // A value that is not a number stays text, for the schema to name.
  assert.deepEqual(actionBody('shelve', { by: 'Ann', forSeconds: 'soon' }), { by: 'Ann', forSeconds: 'soon' });
});
