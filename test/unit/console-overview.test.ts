import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overviewPage } from '../../src/components/console/pages/overview.ts';

const EVIL = '<script>alert(1)</script>';

test('the overview escapes every value a user can set: mission, spacecraft and channel names, descriptions, alert messages', () => {
  const at = '2026-12-07T12:00:00.000Z';
  const out = overviewPage({
    missions: [{ id: 'm-1', name: EVIL, description: EVIL, autoRegisterChannels: false, createdAt: at }],
    spacecraft: [{ id: 'sc-1', missionId: 'm-1', name: EVIL, createdAt: at }],
    alerts: [{ id: 'a-1', spacecraft: 'sc-1', channel: EVIL, rule: 'limit', severity: 'critical', state: 'open', value: 1, threshold: 0, message: EVIL, openedAt: at, updatedAt: at }],
  }).value;
  assert.ok(!out.includes(EVIL), 'no value is sent as markup');
  assert.equal(out.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1, 5, 'each of the five values is shown, escaped');
});
