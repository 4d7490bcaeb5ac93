/**
 * Prometheus from Debian (2.42, with promtool): scrapes an all-in-one Orbit on
 * 127.0.0.1:8080 with the committed static config and rules, and gives `promtool` to the
 * tests that check the rules. Its data lives under `.engines/prometheus`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { aptInstall, portOpen, run, spawnDetached, waitFor, type Engine, type EngineContext, type StartedEngine } from './engine.ts';

const PORT = 59090;
const URL_BASE = `http://127.0.0.1:${PORT}`;
const DEPLOY = path.resolve(import.meta.dirname, '../../deploy/prometheus');

async function buildInfo(): Promise<string> {
  const res = await fetch(`${URL_BASE}/api/v1/status/buildinfo`, { signal: AbortSignal.timeout(1000) });
  if (!res.ok) throw new Error(`prometheus answered ${res.status}`);
  return ((await res.json()) as { data: { version: string } }).data.version;
}

/** The committed static config, with its rule files found where they are committed. */
async function writeConfig(ctx: EngineContext, home: string): Promise<string> {
  const source = await readFile(path.join(DEPLOY, 'prometheus.yml'), 'utf8');
  const file = path.join(home, 'prometheus.yml');
  await writeFile(file, source.replace(/- rules\//g, `- ${path.join(DEPLOY, 'rules')}/`));
  ctx.log(`prometheus: config ${file}`);
  return file;
}

const prometheus: Engine = {
  name: 'prometheus',
  env: {},

  async install(ctx) {
    await aptInstall(ctx, ['prometheus']);
  },

  async start(ctx): Promise<StartedEngine> {
    const home = path.join(ctx.root, 'prometheus');
    await mkdir(path.join(home, 'data'), { recursive: true });
    const config = await writeConfig(ctx, home);
    await run('promtool', ['check', 'config', config]);
    const log = path.join(home, 'prometheus.log');
    const pid = await spawnDetached(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(home, 'data')}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=127.0.0.1:${PORT}`,
        '--web.enable-lifecycle',
      ],
      { logFile: log },
    );
    let version = '';
    await waitFor(`Prometheus on ${URL_BASE}`, async () => {
      version = await buildInfo();
      return true;
    }, { timeoutMs: 60_000, logFile: log, pid });
    return { pids: [pid], version };
  },

  async serving() {
    if (!(await portOpen(PORT))) return false;
    return buildInfo().then(() => true, () => false);
  },
};

export default prometheus;
