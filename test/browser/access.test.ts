/**
 * Signing in with a key in headless Chromium against an Orbit with ORBIT_AUTH=on: the
 * console and the dashboard behind the sign-in page, a console form that works through the
 * session, and a forged cross-site post that the CSRF check refuses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../../ops/browser/chromium.ts';
import { screenshot } from '../support/browser.ts';
import { apiWithKey, eventually, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';

const ADMIN = `browser-admin-${'k'.repeat(32)}`;

describe('signing in', { timeout: 180_000 }, () => {
  let data: { dir: string; remove(): Promise<void> };
  let orbit: OrbitChild;
  let browser: Browser;
  let context: BrowserContext;
  let attacker: Server | undefined;
  let operatorKey: string;
  const admin = () => apiWithKey(orbit.url, ADMIN);

  before(async () => {
    data = await tempDir();
    orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_AUTH: 'on', ORBIT_ADMIN_KEY: ADMIN, ORBIT_SIMULATOR: 'on', ORBIT_SIMULATOR_SPACECRAFT: '2', ORBIT_SIMULATOR_TLE_FILE: '/nonexistent' } });
    const created = await admin()('/v1/keys', { method: 'POST', json: { name: 'Flight director', role: 'admin' } });
    assert.equal(created.status, 201);
    operatorKey = (await created.json()).key;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    attacker?.close();
    await browser?.close();
    await orbit?.stop();
    await data?.remove();
  });

  test('the console sends a browser to the sign-in page and back; a form posted through the session works', async () => {
    const page = await context.newPage();
    await page.goto(`${orbit.url}/console/missions`);
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await page.getByLabel('API key').fill('orbit_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.field-error').waitFor();
    await page.getByLabel('API key').fill(operatorKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/console/missions');
    assert.match(await page.locator('.account').textContent() ?? '', /Signed in as Flight director \(admin\)/);
    const cookie = (await context.cookies()).find((c) => c.name === 'orbit_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    await page.getByLabel('Id').fill('gemini');
    await page.getByLabel('Name', { exact: true }).fill('Gemini');
    await page.getByRole('button', { name: 'Create mission' }).click();
    await page.waitForURL((url) => url.pathname === '/console/missions/gemini');
    await screenshot(page, 'signed-in-console');
    const missions = await (await admin()('/v1/missions')).json();
    assert.ok(missions.some((m: { id: string }) => m.id === 'gemini'));
    const audit = await (await admin()('/v1/audit?actor=Flight%20director')).json();
    assert.ok(audit.entries.some((e: { action: string; status: number }) => e.action === 'POST /console/missions' && e.status === 303), 'the form post is audited under the key');
    await page.close();
  });

  test('the dashboard shows who is signed in and the live fleet', async () => {
    const page = await context.newPage();
    await page.goto(`${orbit.url}/dashboard/`);
    await page.locator('.account').getByText('Flight director').waitFor({ timeout: 15_000 });
    await page.locator('[data-spacecraft="sim-1"]').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-spacecraft="sim-1"] a').first().click();
    // The simulator's readings (posted with the process's own credential) plotted through the session.
    await eventually(async () => (Number(await page.locator('[data-point-count]').first().getAttribute('data-point-count')) > 0 ? true : undefined), 30_000, 'points plotted for sim-1');
    await screenshot(page, 'signed-in-dashboard');
    await page.close();
  });

  test('the dashboard acknowledges an alert through the session, sending its CSRF token', async () => {
    const admin_ = admin();
    assert.equal((await admin_('/v1/missions', { method: 'POST', json: { id: 'bm', name: 'B' } })).status, 201);
    assert.equal((await admin_('/v1/spacecraft', { method: 'POST', json: { id: 'b-1', missionId: 'bm', name: 'B 1' } })).status, 201);
    assert.equal((await admin_('/v1/spacecraft/b-1/channels/temp', { method: 'PUT', json: { type: 'number', limits: { redHigh: 10 } } })).status, 201);
    const page = await context.newPage();
    await page.goto(`${orbit.url}/dashboard/spacecraft/b-1?channels=temp&range=15m`);
    await page.locator('.account').getByText('Flight director').waitFor({ timeout: 15_000 });
    assert.equal((await admin_('/v1/telemetry', { method: 'POST', json: { spacecraft: 'b-1', readings: [{ channel: 'temp', time: Date.now(), value: 50 }] } })).status, 202);
    const row = page.locator('[data-alert-id]', { hasText: 'b-1' }).first();
    await row.waitFor({ timeout: 15_000 });
    const id = (await row.getAttribute('data-alert-id'))!;
    const acknowledged = page.waitForRequest((r) => r.url().endsWith(`/v1/alerts/${id}/acknowledge`));
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByLabel('Your name').fill('Flight director');
    await page.getByRole('button', { name: 'Acknowledge alert' }).click();
    assert.ok((await acknowledged).headers()['x-csrf-token'], 'the change carries the session\'s CSRF token');
    await eventually(async () => ((await (await admin_(`/v1/alerts/${id}`)).json()).state === 'acknowledged' ? true : undefined), 10_000, 'the alert acknowledged');
    await page.close();
  });

  test('a forged post from another page (same site, other port) without the CSRF token is refused', async () => {
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><form id="f" method="post" action="${orbit.url}/console/missions">
<input name="id" value="forged"><input name="name" value="Forged"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    const page = await context.newPage();
    const answered = page.waitForResponse((r) => r.url() === `${orbit.url}/console/missions` && r.request().method() === 'POST');
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const response = await answered;
    assert.ok([401, 403].includes(response.status()), `refused, not ${response.status()}`);
    await page.close();
    const missions = await (await admin()('/v1/missions')).json();
    assert.ok(!missions.some((m: { id: string }) => m.id === 'forged'), 'nothing was created');
  });

  test('signing out ends the session', async () => {
    const page = await context.newPage();
    await page.goto(`${orbit.url}/console/missions`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.goto(`${orbit.url}/console`);
    await eventually(async () => (new URL(page.url()).pathname === '/sign-in' ? true : undefined), 5000, 'back on the sign-in page');
    await page.close();
  });
});
