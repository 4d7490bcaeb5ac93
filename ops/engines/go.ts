/**
 * Programs built from the Go module proxy into the shared cache: the module is downloaded
 * at one pinned version, copied out writable (for a version stamp or a patch) and built
 * with the Go found here. Modules and build cache stay beside the binary, so a rebuild
 * after a clean checkout is quick and nothing lands elsewhere.
 */
import { access, cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { commandExists, run, type EngineContext } from './engine.ts';

export interface GoProgram {
  /** Engine name, for messages. */
  name: string;
  module: string;
  version: string;
  /** Package of the program inside the module, e.g. ./cmd/jaeger. */
  pkg: string;
  /** Oldest Go that builds it, [major, minor]. */
  minGo: [number, number];
  ldflags?: string;
  /** Changes the copied source before the build (a version file, a patch). */
  prepare?(src: string): Promise<void>;
}

/** The Go on PATH or in the usual places that is at least `program.minGo`. */
export async function findGo(program: Pick<GoProgram, 'name' | 'module' | 'version' | 'minGo'>): Promise<string> {
  const [wantMajor, wantMinor] = program.minGo;
  for (const candidate of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    if (candidate === 'go' ? await commandExists('go') : await access(candidate).then(() => true, () => false)) {
      const version = await run(candidate, ['env', 'GOVERSION']).catch(() => '');
      const [major = 0, minor = 0] = (/go(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
      if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return candidate;
    }
  }
  throw new Error(`${program.name}: building ${program.module} ${program.version} needs Go ${program.minGo.join('.')} or newer on PATH (or in /usr/local/go); Debian's golang-go is older`);
}

/** The go command's environment: modules and build cache under `goCache`, no other toolchain, no cgo. */
export function goEnv(goCache: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: path.join(goCache, 'mod'),
    GOCACHE: path.join(goCache, 'build'),
    GOFLAGS: '-modcacherw',
    // Never fetch another Go toolchain: the one found must do.
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

/** Builds `program` into `bin`, caching modules and objects under `cacheDir`. */
export async function buildGoProgram(ctx: EngineContext, program: GoProgram, cacheDir: string, bin: string): Promise<void> {
  const go = await findGo(program);
  ctx.log(`${program.name}: building ${program.module} ${program.version} with ${go} (the first build takes several minutes)`);
  const began = Date.now();
  const goCache = path.join(cacheDir, 'go');
  const env = goEnv(goCache);
  await mkdir(goCache, { recursive: true });
  const module = JSON.parse(await run(go, ['mod', 'download', '-json', `${program.module}@${program.version}`], { env, cwd: goCache })) as { Dir?: string };
  if (!module.Dir) throw new Error(`${program.name}: go mod download did not say where ${program.module} is`);
  const src = path.join(cacheDir, 'src');
  await rm(src, { recursive: true, force: true });
  await cp(module.Dir, src, { recursive: true });
  await run('chmod', ['-R', 'u+w', src]);
  await program.prepare?.(src);
  await run(go, ['build', '-trimpath', ...(program.ldflags ? ['-ldflags', program.ldflags] : []), '-o', bin, program.pkg], { env, cwd: src, timeoutMs: 30 * 60_000 });
  ctx.log(`${program.name}: built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}
