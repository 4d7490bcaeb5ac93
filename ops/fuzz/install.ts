/**
 * `npm run fuzz:install`: Schemathesis at its pinned version in its own virtual environment
 * (ops/fuzz/schemathesis.ts says where), with Debian's python3-venv when missing (as root,
 * like the engines' packages). Does nothing when that version is installed already.
 */
import { rm, writeFile } from 'node:fs/promises';
import { aptInstall, commandExists, defaultContext, run } from '../engines/engine.ts';
import { INSTALLED_MARK, SCHEMATHESIS, SCHEMATHESIS_VERSION, VENV, schemathesisInstalled } from './schemathesis.ts';

const log = (message: string) => console.error(`fuzz: ${message}`);

if (schemathesisInstalled()) {
  log(`schemathesis ${SCHEMATHESIS_VERSION} is installed in ${VENV}`);
} else {
  // `python3 -m venv` needs ensurepip, which Debian ships apart from python3.
  const venvWorks = (await commandExists('python3')) && (await run('python3', ['-c', 'import ensurepip, venv']).then(() => true, () => false));
  if (!venvWorks) await aptInstall(defaultContext(), ['python3', 'python3-venv']);
  await rm(VENV, { recursive: true, force: true });
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}`);
  await run('python3', ['-m', 'venv', VENV]);
  await run(`${VENV}/bin/pip`, ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { timeoutMs: 900_000 });
  const version = (await run(SCHEMATHESIS, ['--version'])).trim();
  await writeFile(INSTALLED_MARK, `${version}\n`);
  log(`installed ${version}`);
}
