/**
 * The console's history explorer and log search in headless Chromium against an all-in-one
 * Orbit: readings posted through the API are found on the page, in the plot and the paged
 * table; a million of them download through the page's button while Orbit's memory stays
 * flat; a log line is found by its text; each page passes axe.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { describeViolations, screenshot, seriousViolations } from '../support/browser.ts';
import { eventually, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { sleep } from '../support/wait.ts';

const SC = 'hx-1';
const VOLTS = 'power.bus_voltage';
const MODE = 'mode';
const BULK = 'thermal.panel_temp';
const OTHER = 'hx-2';
const MILLION = 1_000_000;
const BATCH = 50_000;

describe('console: history explorer and logs', { timeout: 900_000 }, () => {
  let data: { dir: string; remove(): Promise<void> };
  let orbit: OrbitChild;
  let browser: Browser;

  const post = async (channel: string, values: (number | string)[], startMs: number, stepMs: number) => {
    const readings = values.map((value, i) => ({ channel, time: startMs + i * stepMs, value }));
    const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: SC, readings } });
    assert.equal(res.status, 202, await res.text());
  };
  const storedCount = async (channel: string) => {
    const { buckets } = await (await orbit.api(`/v1/telemetry/aggregate?spacecraft=${SC}&channel=${channel}&from=0&step=100000000`)).json();
    return (buckets as { count: number }[]).reduce((n, b) => n + b.count, 0);
  };
  const open = async (path: string) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    const response = await page.goto(`${orbit.url}${path}`);
    return { page, status: response?.status() };
  };
  const assertAccessible = async (page: Page) => {
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], describeViolations(violations));
  };
  const rssKiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${orbit.child.pid}/status`, 'utf8'))![1]);
  /** Waits until Orbit's RSS has moved by less than 2 MiB over 2 s: a freshly started Orbit does a few seconds of start-up work. */
  const settledRss = () => {
    const samples: number[] = [];
    return eventually(async () => {
      samples.push(rssKiB());
      await sleep(250);
      const last = samples.slice(-8);
      return last.length === 8 && Math.max(...last) - Math.min(...last) < 2048 ? last.at(-1) : undefined;
    }, 60_000, "Orbit's memory settled");
  };

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_MAX_BATCH_READINGS: String(BATCH) } });
    await seedMission(orbit, SC, {
      [VOLTS]: { type: 'number', unit: 'V' },
      [MODE]: { type: 'string' },
      [BULK]: { type: 'number', unit: 'degC' },
    });
    await seedMission(orbit, OTHER, { 'comms.rssi': { type: 'number', unit: 'dBm' } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await orbit?.stop();
    await data?.remove();
  });

  test('posted readings show in the plot and the paged table; Next and Previous page walk the range', async () => {
    const start = Date.now() - 300_000;
    const volts = Array.from({ length: 250 }, (_, i) => 28 + i / 100);
    await post(VOLTS, volts, start, 1000);
    await post(MODE, ['safe', 'safe', 'nominal', 'science', 'nominal'], start, 60_000);
    await eventually(async () => ((await storedCount(VOLTS)) === 250 ? true : undefined), 20_000, 'the readings stored');

    const { page, status } = await open(`/console/history?spacecraft=${SC}&channel=${VOLTS}&channel=${MODE}&last=15m`);
    assert.equal(status, 200);
    assert.equal(await page.locator(`svg[role="img"][data-channel="${VOLTS}"]`).getAttribute('data-points'), '250');
    assert.equal(await page.locator(`svg[role="img"][data-channel="${MODE}"]`).getAttribute('data-points'), '4');
    const values = () => page.locator('table.readings tbody tr td:nth-child(2)').allTextContents();
    assert.equal((await values()).length, 100);
    assert.equal((await values())[0], '28');
    await assertAccessible(page);
    await screenshot(page, 'console-history');

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 2:').waitFor();
    assert.equal((await values())[0], '29');
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 3:').waitFor();
    assert.equal((await values()).length, 50);
    assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0, 'no page after the last');
    await page.getByRole('link', { name: 'Previous page' }).click();
    await page.getByText('Page 2:').waitFor();
    assert.equal((await values())[0], '29');

    await page.getByRole('link', { name: MODE, exact: true }).click();
    await page.getByRole('heading', { name: `Readings of ${MODE}` }).waitFor();
    assert.deepEqual(await values(), ['safe', 'safe', 'nominal', 'science', 'nominal']);
    await page.close();
  });

  test('a bad query shows the page again with the problem, beside its field where it has one, with the problem status', async () => {
    const { page, status } = await open(`/console/history?spacecraft=${SC}&channel=${VOLTS}&from=yesterday`);
    assert.equal(status, 400);
    assert.match(await page.locator('#f-from-error').textContent() ?? '', /not an ISO 8601 time/);
    await assertAccessible(page);
    await page.goto(`${orbit.url}/console/history?spacecraft=${SC}&channel=nope`);
    assert.match(await page.getByRole('alert').textContent() ?? '', /no channel "nope" of spacecraft "hx-1"/);
    const forged = await page.goto(`${orbit.url}/console/history?spacecraft=${SC}&channel=${VOLTS}&cursor=forged`);
    assert.equal(forged?.status(), 400);
    assert.match(await page.getByRole('alert').textContent() ?? '', /cursor: is not a cursor/);
    await page.close();
  });

  test('with htmx, the form swaps in place: another spacecraft brings its channels, and a refused range shows its error', async () => {
    const { page } = await open(`/console/history?spacecraft=${SC}&channel=${VOLTS}`);
    await page.getByLabel('Spacecraft').selectOption(OTHER);
    await page.waitForURL(new RegExp(`spacecraft=${OTHER}`));
    await page.getByRole('checkbox', { name: 'comms.rssi' }).waitFor();
    await page.getByLabel('From (UTC)').fill('2026-01-02T00:00:00');
    await page.getByLabel('To (UTC)').fill('2026-01-01T00:00:00');
    await page.getByRole('button', { name: 'Show' }).click();
    assert.match(await page.locator('#f-to-error').textContent() ?? '', /is not after the start/);
    assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1, 'the region swapped, not a page nested in the page');
    await page.close();
  });

  test('a million readings: the wide range is plotted from buckets, and they download as CSV through the page with Orbit\'s memory flat', async () => {
    const end = Date.now() - 600_000;
    const start = end - (MILLION - 1) * 1000;
    const posting = Date.now();
    for (let first = 0; first < MILLION; first += BATCH * 4) {
      await Promise.all([0, 1, 2, 3].map(async (k) => {
        const from = first + k * BATCH;
        if (from >= MILLION) return;
        await post(BULK, Array.from({ length: BATCH }, (_, i) => (Math.round(200 * Math.sin((from + i) / 5000)) + 200) / 10), start + from * 1000, 1000);
      }));
    }
    await eventually(async () => ((await storedCount(BULK)) === MILLION ? true : undefined), 600_000, 'a million readings stored');
    console.log(`posted and stored ${MILLION} readings in ${((Date.now() - posting) / 1000).toFixed(1)} s`);
    // A fresh process: what ingesting a million readings left on its heap would hide a rise.
    await orbit.stop();
    orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_MAX_BATCH_READINGS: String(BATCH) } });

    const { page } = await open(`/console/history?spacecraft=${SC}&channel=${BULK}`);
    await page.getByRole('link', { name: 'Last 30 d' }).click();
    // 30 days in at most 1,000 buckets: an hour each.
    await page.getByText(/buckets of 1 h/).waitFor();
    const bucketRows = await page.locator('table.buckets tbody tr').count();
    assert.ok(bucketRows > 100 && bucketRows <= 1000, `${bucketRows} buckets`);
    assert.equal(await page.locator(`svg[data-channel="${BULK}"] path.band`).count() > 0, true, 'the min–max band is drawn');
    await screenshot(page, 'console-history-buckets');

    const baseline = await settledRss();
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssKiB());
      } catch {
        // Orbit gone: the test fails below.
      }
    }, 20);
    const started = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const file = await download.path();
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    let lines = 0;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) for (let k = chunk.indexOf(10); k >= 0; k = chunk.indexOf(10, k + 1)) lines++;
    const riseMiB = (peak - baseline) / 1024;
    console.log(`downloaded ${lines} lines in ${seconds.toFixed(1)} s; Orbit RSS ${Math.round(baseline / 1024)} MiB before, peak ${Math.round(peak / 1024)} MiB (+${riseMiB.toFixed(1)} MiB)`);
    assert.equal(lines, MILLION + 1);
    assert.ok(riseMiB <= 100, `RSS rose by ${riseMiB.toFixed(1)} MiB`);
    await page.close();
  });

  test('a log line is found by its text; Older pages back; the page passes axe', async () => {
    const { page } = await open('/console/logs?limit=3');
    await page.getByLabel('Text').fill('listening');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=listening/);
    const row = page.locator('table.logs tbody tr', { hasText: 'listening on' });
    await row.first().waitFor();
    assert.match(await row.first().textContent() ?? '', /Orbit .* listening on http/);
    await assertAccessible(page);
    await screenshot(page, 'console-logs');

    await page.goto(`${orbit.url}/console/logs?limit=3`);
    const firstPage = await page.locator('table.logs tbody tr').allTextContents();
    assert.equal(firstPage.length, 3);
    await page.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(/cursor=/);
    const older = await page.locator('table.logs tbody tr').allTextContents();
    assert.equal(older.length, 3);
    assert.ok(older.every((line) => !firstPage.includes(line)), 'the older page shows other entries');
    await page.close();
  });
});
