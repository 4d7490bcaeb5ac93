/**
 * The operator dashboard in headless Chromium against an all-in-one Orbit: what a flight
 * controller sees and does, through the page only, checked against the API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { describeViolations, screenshot, seriousViolations } from '../support/browser.ts';
import { eventually, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';

const SC = 'bt-1';
const CHANNEL = 'power.bus_voltage';
const VIEW = `/dashboard/spacecraft/${SC}?channels=${CHANNEL}&range=15m`;

describe('dashboard', { timeout: 180_000 }, () => {
  let data: { dir: string; remove(): Promise<void> };
  let orbit: OrbitChild;
  let browser: Browser;
  const env = { ORBIT_SIMULATOR: 'on', ORBIT_SIMULATOR_SPACECRAFT: '2', ORBIT_SIMULATOR_TLE_FILE: '/nonexistent' };

  /** Readings of the test's own channel, which nothing else writes to: counts on the page are exact. */
  const post = async (values: number[], endMs = Date.now()) => {
    const readings = values.map((value, i) => ({ channel: CHANNEL, time: endMs - (values.length - 1 - i) * 1000, value }));
    const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: SC, readings } });
    assert.equal(res.status, 202, await res.text());
  };
  const stored = async () => (await (await orbit.api(`/v1/telemetry?spacecraft=${SC}&channel=${CHANNEL}&limit=1000`)).json()).points.length as number;
  const plotted = async (page: Page) => Number(await page.locator(`[data-channel="${CHANNEL}"][data-point-count]`).first().getAttribute('data-point-count'));
  const open = async (path: string) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${orbit.url}${path}`);
    return page;
  };

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir, env });
    await seedMission(orbit, SC, { [CHANNEL]: { type: 'number', unit: 'V', limits: { yellowHigh: 34, redHigh: 35 }, staleAfterSeconds: 3600 } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await orbit?.stop();
    await data?.remove();
  });

  test('the fleet lists the simulated spacecraft, and a spacecraft view plots its telemetry', async () => {
    const page = await open('/dashboard/');
    await page.locator('[data-spacecraft="sim-1"]').first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'fleet');
    await page.locator('[data-spacecraft="sim-1"] a').first().click();
    assert.match(new URL(page.url()).pathname, /^\/dashboard\/spacecraft\/sim-1$/);
    await eventually(async () => (Number(await page.locator('[data-point-count]').first().getAttribute('data-point-count')) > 0 ? true : undefined), 15_000, 'points plotted for sim-1');
    await screenshot(page, 'spacecraft');
    await page.close();
  });

  test('a deep link opens the spacecraft view with the channels it names', async () => {
    await post([30.1, 30.2, 30.3]);
    const page = await open(VIEW);
    await eventually(async () => ((await plotted(page)) === 3 ? true : undefined), 10_000, 'the three readings plotted');
    await page.close();
  });

  test('a red-limit violation shows in the alerts panel within 2 s and is acknowledged from the page', async () => {
    const page = await open(VIEW);
    await page.locator('[data-channel][data-point-count]').first().waitFor();
    const posted = Date.now();
    await post([40]);
    const row = page.locator('[data-alert-id]', { hasText: SC }).first();
    await row.waitFor({ timeout: 2000 });
    const shownAfterMs = Date.now() - posted;
    const id = await row.getAttribute('data-alert-id');
    assert.ok(id, 'the row names its alert');
    await screenshot(page, 'alert-raised');

    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByLabel('Your name').fill('Flight director');
    await page.getByLabel('Comment').fill('Bus regulator swap in progress');
    await page.getByRole('button', { name: 'Acknowledge alert' }).click();
    const alert = await eventually(async () => {
      const a = await (await orbit.api(`/v1/alerts/${id}`)).json();
      return a.state === 'acknowledged' ? a : undefined;
    }, 5000, 'the alert acknowledged');
    assert.equal(alert.acknowledgedBy, 'Flight director');
    assert.ok(alert.history.some((t: { comment?: string }) => t.comment === 'Bus regulator swap in progress'));
    await page.locator(`[data-alert-id="${id}"][data-state="acknowledged"]`).waitFor({ timeout: 5000 });
    await screenshot(page, 'alert-acknowledged');
    assert.ok(shownAfterMs <= 2000, `shown ${shownAfterMs} ms after the POST`);
    await page.close();
  });

  test('after a restart of Orbit the page reconnects by itself and backfills what its stream missed', async () => {
    const page = await open(VIEW);
    const before = await stored();
    const lastShown = Date.parse((await (await orbit.api(`/v1/telemetry/latest?spacecraft=${SC}`)).json()).readings[0].time);
    await eventually(async () => ((await plotted(page)) === before ? true : undefined), 10_000, 'the stored readings plotted');

    const port = new URL(orbit.url).port;
    await orbit.stop();
    const badge = page.locator('[role="status"][data-state]');
    await eventually(async () => ((await badge.getAttribute('data-state')) === 'reconnecting' ? true : undefined), 10_000, 'the page to notice');
    orbit = await startOrbit({ dataDir: data.dir, env: { ...env, ORBIT_PORT: port } });

    // Keep the page off the stream while readings arrive, so that only a backfill can show them.
    await page.route('**/v1/stream*', (route) => route.abort());
    // The first is late: older than the newest reading the page holds.
    await post([31, 31.5, 32, 32.5, 33], lastShown + 4000 - 500);
    await eventually(async () => ((await stored()) === before + 5 ? true : undefined), 10_000, 'the readings stored');
    await page.unroute('**/v1/stream*');

    await eventually(async () => ((await badge.getAttribute('data-state')) === 'live' ? true : undefined), 15_000, 'the page live again');
    await eventually(async () => ((await plotted(page)) === before + 5 ? true : undefined), 10_000, 'the missed readings backfilled');
    // Nothing is plotted twice: the stream and the backfill overlap without duplicates.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await plotted(page), before + 5);
    await page.close();
  });

  test('fleet, spacecraft and ground-track views have no serious or critical accessibility violations', async () => {
    for (const [name, path] of [['fleet', '/dashboard/'], ['spacecraft-a11y', VIEW], ['ground-track', '/dashboard/map']] as const) {
      const page = await open(path);
      await page.locator('main h1, main h2').first().waitFor();
      // Data arrives after the first paint; check the page as an operator would see it.
      await page.waitForTimeout(2000);
      if (name === 'ground-track') await screenshot(page, name);
      const violations = await seriousViolations(page);
      assert.equal(violations.length, 0, `${path}:\n${describeViolations(violations)}`);
      await page.close();
    }
  });
});
