/**
 * Headless Chromium for the browser tests and the UI benchmark: Debian's `chromium`
 * package driven by playwright-core (browser builds that tools download do not install
 * everywhere, and a distribution's package is kept patched). `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.ORBIT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * No background traffic: a closed network refuses Chromium's calls home, many at a time,
 * and each start would wait on lookups of Google's hosts.
 */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'];

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled()) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium), or set ORBIT_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
