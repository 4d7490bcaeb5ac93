/**
 * Schemathesis (PyPI), the fuzzer test/e2e/fuzz.test.ts runs against /openapi.json: one
 * pinned version in a virtual environment of its own under ~/.cache/orbit, installed
 * once by `npm run fuzz:install` and reused by every run after.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SCHEMATHESIS_VERSION = '4.32.5';

/** The virtual environment of this version. */
export const VENV = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orbit', 'schemathesis', SCHEMATHESIS_VERSION);

export const SCHEMATHESIS = path.join(VENV, 'bin', 'schemathesis');

/** Written last by the install, so that a half-finished one is not taken for done. */
export const INSTALLED_MARK = path.join(VENV, '.installed');

export function schemathesisInstalled(): boolean {
  return existsSync(INSTALLED_MARK) && existsSync(SCHEMATHESIS);
}
