/**
 * The mission database's pages escape every value a user can set: names, descriptions,
 * units, channel names and settings, TLE text, history entries, import results, posted
 * form values and the errors shown beside them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEntry, Channel, Mission, Spacecraft } from '../../src/core/schemas.ts';
import { escapeHtml } from '../../src/platform/html/html.ts';
import { formErrors } from '../../src/platform/html/form.ts';
import { HttpProblem } from '../../src/platform/problem.ts';
import { missionPage, missionsPage, notFoundPage } from '../../src/components/console/pages/missions.ts';
import { spacecraftPage } from '../../src/components/console/pages/spacecraft.ts';
import { CHANNEL_FIELDS, channelFormValues } from '../../src/components/console/pages/channel-form.ts';

const EVIL = '<script>alert(1)</script>';
const AT = '2026-12-07T18:00:00.000Z';

const mission: Mission = { id: 'm1', name: EVIL, description: EVIL, autoRegisterChannels: false, createdAt: AT };
const spacecraft: Spacecraft = { id: 'sc1', missionId: 'm1', name: EVIL, tle: [EVIL, EVIL], createdAt: AT };
const channel: Channel = {
  spacecraft: 'sc1', name: 'temp', type: 'number', unit: EVIL, description: EVIL, expression: EVIL,
  limitSets: [{ when: { channel: 'mode', equals: EVIL }, limits: { redHigh: 1 } }], createdAt: AT, updatedAt: AT,
};
const history: ChangeEntry[] = [
  { at: AT, by: EVIL, action: 'update', entity: 'channel', mission: 'm1', spacecraft: 'sc1', channel: EVIL, changes: [{ field: EVIL, old: EVIL, new: { x: EVIL } }] },
];
const problem = new HttpProblem(400, EVIL, { errors: [{ pointer: '/name', detail: EVIL }, { pointer: '/unit', detail: EVIL }, { pointer: `/${EVIL}`, detail: EVIL }] });
const posted = { form: { id: EVIL, name: EVIL, description: EVIL, tle: EVIL, retentionDays: EVIL }, errors: formErrors(problem, ['id', 'name', 'description', 'tle']) };

function assertEscaped(markup: string, what: string) {
  assert.ok(!markup.includes(EVIL), `${what}: a raw script tag`);
  assert.ok(!/<script>alert/i.test(markup), `${what}: a raw script tag`);
  assert.ok(markup.includes(escapeHtml(EVIL)), `${what}: the value is shown, escaped`);
}

test('the missions list and its refused form escape every value', () => {
  assertEscaped(missionsPage({ missions: [mission], actor: EVIL, posted }).value, 'missions');
  assertEscaped(notFoundPage(EVIL).value, 'not found');
});

test('a mission page escapes its settings, spacecraft, history, posted forms and import results', () => {
  const result = { applied: false, note: EVIL, changes: [{ entity: 'channel' as const, id: EVIL, action: 'create' as const, fields: [{ field: EVIL, old: null, new: EVIL }] }] };
  assertEscaped(missionPage({ mission, spacecraft: [spacecraft], history, actor: EVIL }).value, 'mission');
  assertEscaped(missionPage({ mission, spacecraft: [], history: [], actor: 'x', edit: posted, newSpacecraft: posted }).value, 'mission, refused forms');
  assertEscaped(missionPage({ mission, spacecraft: [], history: [], actor: 'x', importing: { form: { document: EVIL }, errors: formErrors(problem, ['document']), result, dryRun: true } }).value, 'mission, import');
});

test('a spacecraft page escapes its settings, channels, the channel form, its errors and histories', () => {
  const errors = formErrors(problem, CHANNEL_FIELDS);
  assertEscaped(spacecraftPage({ spacecraft, channels: [channel], history, actor: EVIL, channel: { channel, history } }).value, 'spacecraft');
  const form = { ...channelFormValues(channel), name: EVIL, 'limits.redHigh': EVIL, 'calibration.polynomial': EVIL };
  assertEscaped(spacecraftPage({ spacecraft, channels: [], history: [], actor: 'x', edit: posted, channelPost: { form, errors } }).value, 'spacecraft, refused forms');
});
