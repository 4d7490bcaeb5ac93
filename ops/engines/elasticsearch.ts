/**
 * Elasticsearch for the log index: the `integ-test-zip` distribution from Maven Central,
 * a single node on loopback, run as an unprivileged system user because it refuses root.
 *
 * 8.19 is the newest line on Maven Central and the last that runs on Java 17, the default
 * JDK of these machines; the 9.x zips are not published there and would need Java 21.
 */
import { spawn } from 'node:child_process';
import { access, copyFile, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { aptInstall, commandExists, isAlive, run, waitFor, type Engine, type EngineContext, type StartedEngine } from './engine.ts';

const VERSION = '8.19.21';
const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${VERSION}:zip`;
const HTTP_PORT = 59200;
const TRANSPORT_PORT = 59300;
const URL_BASE = `http://127.0.0.1:${HTTP_PORT}`;
const USER = 'elasticsearch';
const HEAP = '512m';
const MIN_JAVA = 17;
/** A cold first start on a busy 2-core machine took a minute. */
const LAUNCH_TIMEOUT_MS = 240_000;
/** The oldest JDK that Elasticsearch 8.19 supports is the one it is tested on most; newer ones are a fallback. */
const JDK_PACKAGE = 'openjdk-17-jre-headless';

const cacheDir = (ctx: EngineContext) => path.join(ctx.cache, 'elasticsearch');
const distDir = (ctx: EngineContext) => path.join(cacheDir(ctx), `elasticsearch-${VERSION}`);
const baseDir = (ctx: EngineContext) => path.join(ctx.root, 'elasticsearch');

interface Layout {
  home: string;
  config: string;
  data: string;
  logs: string;
  tmp: string;
  run: string;
  pidFile: string;
  launcherLog: string;
}

function layout(ctx: EngineContext): Layout {
  const base = baseDir(ctx);
  return {
    home: path.join(base, `home-${VERSION}`),
    config: path.join(base, 'config'),
    data: path.join(base, 'data'),
    logs: path.join(base, 'logs'),
    tmp: path.join(base, 'tmp'),
    run: path.join(base, 'run'),
    pidFile: path.join(base, 'run', 'elasticsearch.pid'),
    launcherLog: path.join(base, 'logs', 'launcher.log'),
  };
}

const exists = (p: string) => access(p).then(() => true, () => false);

// ---------------------------------------------------------------------------
// Java

async function javaMajor(javaHome: string): Promise<number | undefined> {
  const release = await readFile(path.join(javaHome, 'release'), 'utf8').catch(() => '');
  const m = /^JAVA_VERSION="(\d+)/m.exec(release);
  if (!m || !(await exists(path.join(javaHome, 'bin', 'java')))) return undefined;
  return Number(m[1]);
}

/** The JDK to run on: the system default when it is new enough, else the oldest suitable one installed. */
async function findJava(): Promise<string | undefined> {
  const candidates: string[] = [];
  if (process.env.ES_JAVA_HOME) candidates.push(process.env.ES_JAVA_HOME);
  const onPath = await run('sh', ['-c', 'readlink -f "$(command -v java)"']).catch(() => '');
  if (onPath.trim()) candidates.push(path.dirname(path.dirname(onPath.trim())));
  const jvms = await readdir('/usr/lib/jvm').catch(() => [] as string[]);
  const found: { home: string; major: number }[] = [];
  for (const name of jvms) {
    const home = path.join('/usr/lib/jvm', name);
    const major = await javaMajor(home);
    if (major !== undefined && major >= MIN_JAVA) found.push({ home, major });
  }
  for (const home of candidates) {
    const major = await javaMajor(home);
    if (major !== undefined && major >= MIN_JAVA) return home;
  }
  found.sort((a, b) => a.major - b.major);
  return found[0]?.home;
}

async function requireJava(): Promise<string> {
  const home = await findJava();
  if (!home) throw new Error(`elasticsearch: no Java ${MIN_JAVA}+ found (looked at ES_JAVA_HOME, the java on PATH and /usr/lib/jvm); install ${JDK_PACKAGE}`);
  return home;
}

// ---------------------------------------------------------------------------
// Install

async function ensureUser(): Promise<void> {
  if (await run('id', ['-u', USER]).then(() => true, () => false)) return;
  await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', USER]);
}

/** Fetches the zip through Maven and unpacks it in the cache, atomically so an interrupted unpack is redone. */
async function ensureDistribution(ctx: EngineContext): Promise<void> {
  const dist = distDir(ctx);
  if (await exists(path.join(dist, 'bin', 'elasticsearch'))) return;
  const cache = cacheDir(ctx);
  const zip = path.join(cache, `elasticsearch-${VERSION}.zip`);
  await mkdir(cache, { recursive: true });
  if (!(await exists(zip))) {
    ctx.log(`elasticsearch: fetching ${ARTIFACT} from Maven Central`);
    await run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${cache}`], { cwd: cache });
  }
  const staging = `${dist}.unpacking`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  await run('unzip', ['-q', zip, '-d', staging]);
  await rename(path.join(staging, `elasticsearch-${VERSION}`), dist);
  await rm(staging, { recursive: true, force: true });
}

/**
 * The cache usually sits under root's home, which the server user cannot enter, so the
 * checkout gets its own tree of hard links to it (a plain copy across file systems).
 */
async function ensureHome(ctx: EngineContext): Promise<void> {
  const { home } = layout(ctx);
  if (await exists(path.join(home, 'bin', 'elasticsearch'))) return;
  await mkdir(baseDir(ctx), { recursive: true });
  const staging = `${home}.linking`;
  await rm(staging, { recursive: true, force: true });
  await run('cp', ['-al', distDir(ctx), staging]).catch(() => run('cp', ['-a', distDir(ctx), staging]));
  await rename(staging, home);
}

async function install(ctx: EngineContext): Promise<void> {
  const packages: string[] = [];
  if (!(await findJava())) packages.push(JDK_PACKAGE);
  if (!(await commandExists('mvn')) && !(await exists(distDir(ctx)))) packages.push('maven');
  if (!(await commandExists('unzip'))) packages.push('unzip');
  if (!(await commandExists('setpriv'))) packages.push('util-linux');
  if (packages.length) await aptInstall(ctx, packages);
  await requireJava();
  await ensureUser();
  await ensureDistribution(ctx);
  await ensureHome(ctx);
}

// ---------------------------------------------------------------------------
// Start

function elasticsearchYml(l: Layout): string {
  return `${[
    'cluster.name: orbit',
    'node.name: orbit-1',
    `path.data: ${l.data}`,
    `path.logs: ${l.logs}`,
    'network.host: 127.0.0.1',
    `http.port: ${HTTP_PORT}`,
    `transport.port: ${TRANSPORT_PORT}`,
    'discovery.type: single-node',
    // The zip carries the security module; a loopback engine for development and tests runs without it.
    'xpack.security.enabled: false',
    // A nearly full disk would otherwise leave new daily indices unassigned or read-only.
    'cluster.routing.allocation.disk.threshold_enabled: false',
  ].join('\n')}\n`;
}

/** The distribution's JVM options with every relative output path pinned under our logs. */
async function jvmOptions(ctx: EngineContext, l: Layout): Promise<string> {
  const original = await readFile(path.join(distDir(ctx), 'config', 'jvm.options'), 'utf8');
  return `${original
    .replace(/-XX:ErrorFile=\S+/, `-XX:ErrorFile=${l.logs}/hs_err_pid%p.log`)
    .replace(/file=[^:\s]*gc\.log/, `file=${l.logs}/gc.log`)}\n-XX:HeapDumpPath=${l.logs}\n`;
}

async function writeConfig(ctx: EngineContext, l: Layout): Promise<void> {
  await mkdir(l.config, { recursive: true });
  await writeFile(path.join(l.config, 'elasticsearch.yml'), elasticsearchYml(l));
  await writeFile(path.join(l.config, 'jvm.options'), await jvmOptions(ctx, l));
  await mkdir(path.join(l.config, 'jvm.options.d'), { recursive: true });
  await copyFile(path.join(distDir(ctx), 'config', 'log4j2.properties'), path.join(l.config, 'log4j2.properties'));
}

/**
 * Runs the launcher in its own session and waits for it: with `-d` it exits once the server
 * is up. One that hangs is stopped, and takes the server it started down with it.
 */
async function launch(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number | null> {
  const out = await open(logFile, 'a');
  let timer: NodeJS.Timeout | undefined;
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out.fd, out.fd], env });
    return await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
      timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(new Error(`elasticsearch launcher did not finish within ${LAUNCH_TIMEOUT_MS / 1000} s; see ${logFile}`));
      }, LAUNCH_TIMEOUT_MS);
    });
  } finally {
    clearTimeout(timer);
    await out.close();
  }
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

async function getJson(pathAndQuery: string, timeoutMs = 2000): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${URL_BASE}${pathAndQuery}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function start(ctx: EngineContext): Promise<StartedEngine> {
  const javaHome = await requireJava();
  const l = layout(ctx);
  for (const dir of [l.data, l.logs, l.tmp, l.run]) await mkdir(dir, { recursive: true });
  await writeConfig(ctx, l);
  // A server killed with SIGKILL leaves its pid file behind.
  await rm(l.pidFile, { force: true });
  // The server writes its keystore into config; the home it runs from stays root's.
  await run('chown', ['-R', `${USER}:${USER}`, l.config, l.data, l.logs, l.tmp, l.run]);

  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    ES_JAVA_HOME: javaHome,
    ES_PATH_CONF: l.config,
    ES_TMPDIR: l.tmp,
    ES_JAVA_OPTS: `-Xms${HEAP} -Xmx${HEAP}`,
  };
  const began = Date.now();
  const code = await launch('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--init-groups', '--', path.join(l.home, 'bin', 'elasticsearch'), '-d', '-p', l.pidFile], env, l.launcherLog);
  if (code !== 0) {
    throw new Error(`elasticsearch launcher exited with ${code}; see ${l.launcherLog} and ${l.logs}/orbit.log\n${await tail(l.launcherLog)}`);
  }
  const pid = Number((await readFile(l.pidFile, 'utf8')).trim());
  if (!Number.isInteger(pid) || !isAlive(pid)) throw new Error(`elasticsearch: no live server behind ${l.pidFile}; see ${l.logs}/orbit.log`);
  // Serving means the existing indices are readable again, not just the port being open.
  await waitFor('elasticsearch', async () => (await getJson('/_cluster/health?wait_for_status=yellow&timeout=1s', 5000)).status === 200, {
    timeoutMs: 180_000,
    logFile: path.join(l.logs, 'orbit.log'),
    pid,
  });
  const version = await serverVersion();
  ctx.log(`elasticsearch: ${version} up in ${((Date.now() - began) / 1000).toFixed(1)} s as ${USER} on Java ${await javaMajor(javaHome)}, pid ${pid}`);
  return { pids: [pid], version };
}

/** The zip leaves out the module behind `GET /`, so the version comes from the node itself. */
async function serverVersion(): Promise<string> {
  const { body } = await getJson('/_nodes/_local?filter_path=nodes.*.version');
  const nodes = Object.values((body.nodes ?? {}) as Record<string, { version?: string }>);
  return nodes[0]?.version ?? 'unknown';
}

async function serving(): Promise<boolean> {
  try {
    const { status, body } = await getJson('/_cluster/health', 1500);
    return status === 200 && typeof body.cluster_name === 'string';
  } catch {
    return false;
  }
}

const elasticsearch: Engine = {
  name: 'elasticsearch',
  env: { ORBIT_SEARCH_URL: URL_BASE },
  install,
  start,
  serving: () => serving(),
};

export default elasticsearch;
