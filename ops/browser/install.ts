/**
 * `npm run browser:install`: Debian's Chromium for the browser tests and `npm run bench:ui`,
 * installed when missing (as root, like the engines' packages).
 */
import { aptInstall, defaultContext } from '../engines/engine.ts';
import { CHROMIUM, chromiumInstalled } from './chromium.ts';

if (chromiumInstalled()) {
  console.error(`browser: ${CHROMIUM} is installed`);
} else {
  await aptInstall(defaultContext(), ['chromium']);
  if (!chromiumInstalled()) throw new Error(`apt-get installed chromium, yet there is no ${CHROMIUM}`);
  console.error(`browser: installed ${CHROMIUM}`);
}
