/**
 * The console's alarm desk and jobs pages in headless Chromium against an all-in-one
 * Orbit: what an operator does through the forms, checked against the API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { describeViolations, screenshot, seriousViolations } from '../support/browser.ts';
import { seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';

const SC = 'desk-1';
const CHANNEL = 'thermal.panel_temp';
const ISS = ['1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992', '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442'];

describe('console: alarm desk and jobs', { timeout: 180_000 }, () => {
  let data: { dir: string; remove(): Promise<void> };
  let orbit: OrbitChild;
  let browser: Browser;
  let alertId: string;

  const open = async (path: string) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // htmx announces the stream's opening on the element that holds it; the test waits for it.
    await page.addInitScript(() => {
      const window = globalThis as unknown as EventTarget & { sseOpen?: boolean };
      window.addEventListener('htmx:sseOpen', () => (window.sseOpen = true));
    });
    const response = await page.goto(`${orbit.url}${path}`);
    assert.equal(response?.status(), 200, path);
    return page;
  };
  const alertOf = async (id: string) => (await orbit.api(`/v1/alerts/${id}`)).json();
  const accessible = async (page: Page, what: string) => {
    const violations = await seriousViolations(page);
    assert.equal(violations.length, 0, `${what}:\n${describeViolations(violations)}`);
  };

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir });
    await seedMission(orbit, SC, { [CHANNEL]: { type: 'number', unit: 'C', limits: { yellowHigh: 30, redHigh: 40 }, staleAfterSeconds: 3600 } });
    const iss = await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'iss', missionId: `m-${SC}`, name: 'ISS', tle: ISS } });
    assert.equal(iss.status, 201, await iss.text());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await orbit?.stop();
    await data?.remove();
  });

  test('the alarm desk shows a new alert live, and filters by severity and mission', async () => {
    const page = await open(`/console/alerts?spacecraft=${SC}`);
    await page.getByText('No alert matches the filter').waitFor();
    await page.waitForFunction(() => (globalThis as { sseOpen?: boolean }).sseOpen === true, undefined, { timeout: 10_000 });

    const posted = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: SC, readings: [{ channel: CHANNEL, time: Date.now(), value: 47.5 }] } });
    assert.equal(posted.status, 202);
    const row = page.locator('tr[data-alert-id]');
    await row.first().waitFor({ timeout: 5000 });
    alertId = (await row.first().getAttribute('data-alert-id'))!;
    await assert.doesNotReject(row.first().getByText('critical').waitFor());
    assert.match(await page.locator('#alarm-status').innerText(), /Alerts 1–1 match/);
    await accessible(page, 'alarm desk');
    await screenshot(page, 'console-alarm-desk');

    await page.getByLabel('Severity').selectOption('warning');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/severity=warning/);
    await page.getByText('No alert matches the filter').waitFor();
    await page.close();

    // The mission filter of the page is the API's.
    assert.equal((await (await orbit.api(`/v1/alerts?mission=m-${SC}`)).json()).length, 1);
    assert.equal((await (await orbit.api('/v1/alerts?mission=another')).json()).length, 0);
    assert.equal((await (await orbit.api(`/v1/alerts?mission=m-${SC}&from=${new Date(Date.now() + 60_000).toISOString()}`)).json()).length, 0);
  });

  test('an alert is acknowledged and shelved through the forms of its page', async () => {
    const page = await open(`/console/alerts/${alertId}`);
    await page.getByLabel('Your name').fill('Flight director');
    await page.getByLabel('Comment').fill('Heater <b>cycling</b>');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.waitForURL(`**/console/alerts/${alertId}`);
    const acknowledged = await alertOf(alertId);
    assert.equal(acknowledged.state, 'acknowledged');
    assert.equal(acknowledged.acknowledgedBy, 'Flight director');
    // The comment is shown as text, not markup.
    await page.locator('table.history').getByText('Heater <b>cycling</b>').waitFor();

    // The name is remembered for the next action.
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Flight director');
    await page.getByLabel('For', { exact: true }).selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Shelve' }).click();
    await page.waitForURL(`**/console/alerts/${alertId}`);
    const shelved = await alertOf(alertId);
    assert.equal(shelved.state, 'shelved');
    assert.equal(shelved.shelvedBy, 'Flight director');
    assert.ok(Math.abs(Date.parse(shelved.shelvedUntil) - (Date.now() + 3600_000)) < 60_000, shelved.shelvedUntil);
    await page.getByRole('button', { name: 'Unshelve' }).waitFor();
    await accessible(page, 'alert page');
    await screenshot(page, 'console-alert');
    await page.close();
  });

  test('a refused action comes back with the problem, beside the field when one is named', async () => {
    const page = await open(`/console/alerts/${alertId}`);
    await page.waitForFunction(() => (globalThis as { sseOpen?: boolean }).sseOpen === true, undefined, { timeout: 10_000 });
    // Someone else takes the alert off the shelf meanwhile: the page's facts and history
    // follow at once, while its action form, left as it was, still offers to unshelve.
    const elsewhere = await orbit.api(`/v1/alerts/${alertId}/unshelve`, { method: 'POST', json: { by: 'Someone else' } });
    assert.equal(elsewhere.status, 200);
    await page.locator('#alert-facts .state-open').waitFor({ timeout: 5000 });
    await page.locator('#alert-history').getByText('Someone else').waitFor();
    await page.getByLabel('Your name').fill('Flight director');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Unshelve' }).click(),
    ]);
    assert.equal(refused.status(), 409);
    await page.getByRole('alert').getByText('the alert is open, not shelved').waitFor();
    await accessible(page, 'alert page with a problem');
    await screenshot(page, 'console-alert-refused');

    // Shelving until a past time: the API's own check, shown beside the field.
    await page.getByLabel('Until (UTC)').fill('2020-01-01T00:00:00');
    const [invalid] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Shelve' }).click()]);
    assert.equal(invalid.status(), 400);
    await page.locator('#f-until-error').getByText('must be in the future').waitFor();
    assert.equal((await alertOf(alertId)).state, 'open');
    await page.close();
  });

  test('an orbit propagation submitted from the form runs to 100 % and shows its ground track and samples', async () => {
    const page = await open('/console/jobs');
    await page.getByLabel('Spacecraft').selectOption('iss');
    await page.getByLabel('From (UTC)').fill('2019-06-05T12:00:00');
    await page.getByLabel('To (UTC)').fill('2019-06-05T11:00:00');
    await page.getByLabel('Step (seconds)').fill('2');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Propagate' }).click()]);
    assert.equal(refused.status(), 400);
    await page.locator('.field-error').first().waitFor();
    await accessible(page, 'jobs page with a problem');

    await page.getByLabel('To (UTC)').fill('2019-06-06T12:00:00');
    await page.getByRole('button', { name: 'Propagate' }).click();
    await page.waitForURL(/\/console\/jobs\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').at(-1)!;
    await page.locator('#job-status').getByText('succeeded, 100 %').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#job-progress').getAttribute('value'), '100');
    await page.locator('svg.ground-track polyline').first().waitFor();
    assert.equal(await page.locator('table.samples tbody tr').count(), 100);
    assert.equal((await (await orbit.api(`/v1/jobs/${id}`)).json()).state, 'succeeded');
    // A finished job's live part tells htmx to stop polling.
    assert.equal((await orbit.api(`/console/jobs/${id}/live`)).status, 286);
    await accessible(page, 'job page');
    await screenshot(page, 'console-job');

    const csv = await (await orbit.api(`/console/jobs/${id}/result.csv`)).text();
    const lines = csv.trimEnd().split('\n');
    assert.match(lines[0]!, /^time,latitude_deg,longitude_deg,altitude_km,/);
    assert.equal(lines.length, 1 + 43_201);
    assert.match(lines[1]!, /^2019-06-05T12:00:00.000Z,/);

    await page.goto(`${orbit.url}/console/jobs`);
    await page.locator(`tr[data-job-id="${id}"]`).getByText('succeeded').waitFor();
    await accessible(page, 'jobs page');
    await screenshot(page, 'console-jobs');
    await page.close();
  });
});
