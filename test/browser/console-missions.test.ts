/**
 * The console's mission database in headless Chromium against an all-in-one Orbit: a
 * mission, a spacecraft with its TLE and a channel with limits made through the forms, a
 * refused limit order shown beside its field and stored nowhere, the change history
 * naming who changed what, and an import's dry run; each page checked with axe-core.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { describeViolations, screenshot, seriousViolations } from '../support/browser.ts';
import { startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';

const ISS = [
  '1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927',
  '2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537',
];

describe('console: mission database', { timeout: 180_000 }, () => {
  let data: { dir: string; remove(): Promise<void> };
  let orbit: OrbitChild;
  let browser: Browser;
  let page: Page;

  const accessible = async (name: string) => {
    const violations = await seriousViolations(page);
    assert.equal(violations.length, 0, `${name}:\n${describeViolations(violations)}`);
  };

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await orbit?.stop();
    await data?.remove();
  });

  test('a mission is created from the missions page, under the name given', async () => {
    await page.goto(`${orbit.url}/console/missions`);
    await page.getByLabel('Id').fill('apollo');
    await page.getByLabel('Name', { exact: true }).fill('Apollo');
    await page.getByLabel('Description').fill('Lunar programme');
    await page.getByLabel('Retention (days)').fill('30');
    await page.getByLabel('Your name').fill('Gene');
    await page.getByRole('button', { name: 'Create mission' }).click();
    await page.waitForURL(/\/console\/missions\/apollo$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Mission Apollo');
    assert.equal(await page.getByLabel('Your name').first().inputValue(), 'Gene', 'the name is remembered');
    const mission = await (await orbit.api('/v1/missions')).json();
    assert.deepEqual(mission.map((m: { id: string; retentionDays?: number }) => [m.id, m.retentionDays]), [['apollo', 30]]);
    await page.goto(`${orbit.url}/console/missions`);
    await screenshot(page, 'console-missions');
    await accessible('missions');
  });

  test('a spacecraft with a wrong TLE checksum is refused beside the field; with a good one it is registered', async () => {
    await page.goto(`${orbit.url}/console/missions/apollo`);
    const form = page.locator('form[action$="/spacecraft"]');
    await form.getByLabel('Id').fill('iss');
    await form.getByLabel('Name', { exact: true }).fill('ISS');
    await form.getByLabel('TLE', { exact: true }).fill(`${ISS[0]!.slice(0, -1)}8\n${ISS[1]}`);
    await form.getByRole('button', { name: 'Add spacecraft' }).click();
    const error = page.locator('#f-sc-tle-error');
    assert.match((await error.textContent()) ?? '', /checksum/);
    assert.equal(await page.locator('#f-sc-tle').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await (await orbit.api('/v1/spacecraft')).json(), []);

    await page.locator('form[action$="/spacecraft"]').getByLabel('TLE', { exact: true }).fill(ISS.join('\n'));
    await page.locator('form[action$="/spacecraft"]').getByRole('button', { name: 'Add spacecraft' }).click();
    await page.getByRole('table', { name: 'Spacecraft of apollo' }).getByRole('link', { name: 'iss', exact: true }).waitFor();
    const [iss] = await (await orbit.api('/v1/spacecraft')).json();
    assert.deepEqual(iss.tle, ISS);
    await screenshot(page, 'console-mission');
    await accessible('mission');
  });

  test('a channel with limits in a wrong order shows the inline error and stores nothing; in order it is stored', async () => {
    await page.goto(`${orbit.url}/console/spacecraft/iss`);
    const form = page.locator('form[action$="/channels"]');
    await form.getByLabel('Name', { exact: true }).fill('power.bus_voltage');
    await form.getByLabel('Unit').fill('V');
    await page.getByLabel('Calibration polynomial').fill('0, 2');
    await page.getByLabel('Red low').fill('30');
    await page.getByLabel('Yellow low').fill('20');
    await page.getByLabel('Yellow high').fill('34');
    await page.getByLabel('Red high').fill('35');
    await page.getByRole('button', { name: 'Create channel' }).click();
    const error = page.locator('#f-limits-yellowLow-error');
    assert.equal(await error.textContent(), 'must not be below redLow (30)');
    assert.equal(await page.locator('#f-limits-yellowLow').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Red low').inputValue(), '30', 'the form shows what was posted');
    await screenshot(page, 'console-channel-error');
    assert.deepEqual(await (await orbit.api('/v1/spacecraft/iss/channels')).json(), [], 'nothing stored');

    await page.getByLabel('Red low').fill('18');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.waitForURL(/channel=power\.bus_voltage/);
    const [channel] = await (await orbit.api('/v1/spacecraft/iss/channels')).json();
    assert.deepEqual(channel.limits, { redLow: 18, yellowLow: 20, yellowHigh: 34, redHigh: 35 });
    assert.deepEqual(channel.calibration, { polynomial: [0, 2] });
  });

  test("an edit of the channel shows in its change history with who, the old and the new value", async () => {
    await page.goto(`${orbit.url}/console/spacecraft/iss?channel=power.bus_voltage`);
    await page.getByLabel('Red high').fill('36');
    await page.locator('form[action$="/channels"]').getByLabel('Your name').fill('Flight director');
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.waitForURL(/channel=power\.bus_voltage/);
    const history = page.getByRole('table', { name: 'Change history of channel power.bus_voltage' });
    const newest = history.locator('tbody tr').first();
    assert.match((await newest.textContent()) ?? '', /Flight director\s*update/);
    assert.match((await newest.textContent()) ?? '', /limits\.redHigh: 35 → 36/);
    const entries = await (await orbit.api('/v1/spacecraft/iss/channels/power.bus_voltage/history')).json();
    assert.deepEqual(entries[0].changes, [{ field: 'limits.redHigh', old: 35, new: 36 }]);
    assert.equal(entries[0].by, 'Flight director');
    await history.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-channel-history');
    await page.getByRole('heading', { level: 1 }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-spacecraft');
    await accessible('spacecraft');
  });

  test('an exported definition imports as no change; an edited one lists its change in the dry run and stores nothing', async () => {
    const yaml = await (await orbit.api('/v1/missions/apollo/definition?format=yaml')).text();
    await page.goto(`${orbit.url}/console/missions/apollo`);
    await page.getByLabel('Definition (JSON or YAML)').fill(yaml.replace('redHigh: 36', 'redHigh: 37'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    const result = page.locator('#import-result');
    assert.match((await result.textContent()) ?? '', /Dry run: nothing was written/);
    assert.match((await result.getByRole('table').textContent()) ?? '', /limits\.redHigh\s*36\s*37/);
    assert.equal((await (await orbit.api('/v1/spacecraft/iss/channels')).json())[0].limits.redHigh, 36);
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-import-dry-run');
    await accessible('mission after a dry run');
  });

  test('a TLE uploaded as a file is stored, and the change is recorded under the name given', async () => {
    const removed = await orbit.api('/v1/spacecraft/iss', { method: 'PATCH', json: { tle: null }, headers: { 'orbit-actor': 'Script' } });
    assert.equal(removed.status, 200);
    await page.goto(`${orbit.url}/console/spacecraft/iss`);
    const form = page.locator('form[action$="/spacecraft/iss"]');
    assert.equal(await form.getByLabel('TLE', { exact: true }).inputValue(), '');
    await form.getByLabel('Or a TLE file').setInputFiles({ name: 'iss.tle', mimeType: 'text/plain', buffer: Buffer.from(`${ISS.join('\r\n')}\r\n`) });
    await form.getByLabel('Your name').fill('Orbit analyst');
    await form.getByRole('button', { name: 'Save spacecraft' }).click();
    await page.waitForURL(/\/console\/spacecraft\/iss$/);
    assert.deepEqual((await (await orbit.api('/v1/spacecraft')).json())[0].tle, ISS);
    const [latest, removal] = await (await orbit.api('/v1/spacecraft/iss/history')).json();
    assert.deepEqual([latest.by, latest.changes], ['Orbit analyst', [{ field: 'tle', old: null, new: ISS }]]);
    assert.equal(removal.by, 'Script');
  });
});
