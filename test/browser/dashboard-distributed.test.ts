/**
 * The dashboard as a service of its own on the real engines, reached through the
 * deployment's gateway like every other target: the page, its files and its stream come
 * from the `dashboard` process, the data it reads from `console` and `analyzer`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, seedMission } from '../support/orbit.ts';

describe('dashboard behind the gateway of a distributed deployment', { timeout: 240_000 }, () => {
  let deployment: Deployment;
  let browser: Browser;

  before(async () => {
    deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 1, analyzer: 1, dashboard: 1 } });
    await seedMission(deployment, 'gw-1', { temp: { type: 'number', unit: 'degC', limits: { redHigh: 100 } } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await deployment?.stop();
  });

  test('hashed files are cached for good and the page itself is not', async () => {
    const page = await deployment.api('/dashboard/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const script = (await page.text()).match(/src="(\/dashboard\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(script, 'the page loads a hashed script');
    const asset = await deployment.api(script, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await deployment.api('/dashboard/assets/missing-123.js')).status, 404);
  });

  test('the fleet view lists a spacecraft and its view plots a reading that goes through the pipeline', async () => {
    const page = await browser.newPage();
    await page.goto(`${deployment.url}/dashboard/`);
    await page.locator('[data-spacecraft="gw-1"]').first().waitFor({ timeout: 15_000 });
    await page.goto(`${deployment.url}/dashboard/spacecraft/gw-1?channels=temp&range=15m`);
    await eventually(async () => ((await page.locator('[role="status"][data-state]').getAttribute('data-state')) === 'live' ? true : undefined), 15_000, 'the stream live');
    const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'gw-1', readings: [{ channel: 'temp', time: Date.now(), value: 21.5 }] } });
    assert.equal(res.status, 202);
    await eventually(async () => (Number(await page.locator('[data-channel="temp"][data-point-count]').first().getAttribute('data-point-count')) === 1 ? true : undefined), 15_000, 'the reading plotted');
    await page.close();
  });
});
