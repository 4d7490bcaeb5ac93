/**
 * Renders the Kustomize overlays under deploy/kubernetes and validates every object against
 * the Kubernetes API with ops/k8s-validate (Go: kustomize's krusty, k8s.io/api strictly
 * decoded, client-go's structural schema, the API server's name, label and selector rules,
 * and the references between objects). The program is built from the Go module proxy at
 * the versions go.mod pins, once per change of its source, into the shared cache.
 *
 *   node ops/k8s-validate/validate.ts [KUSTOMIZATION_DIR...]   (default: both overlays)
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findGo, goEnv } from '../engines/go.ts';
import { run } from '../engines/engine.ts';

const SOURCE = import.meta.dirname;
const ROOT = path.resolve(SOURCE, '../..');
export const KUBERNETES_DIR = path.join(ROOT, 'deploy/kubernetes');
export const OVERLAYS = ['single', 'distributed'].map((o) => path.join(KUBERNETES_DIR, 'overlays', o));

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orbit', 'engines', 'k8s-validate');

/** One rendered Kubernetes object, as JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  dir: string;
  objects: K8sObject[];
  /** What the API would refuse, one line each ("Kind/name: why"); empty when valid. */
  errors: string[];
}

/** Builds the validator if its source changed since the last build; returns its path. */
export async function validatorBinary(log: (message: string) => void = () => {}): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(await readFile(path.join(SOURCE, file)));
  const bin = path.join(CACHE, 'bin', `k8s-validate-${hash.digest('hex').slice(0, 16)}`);
  if (await access(bin).then(() => true, () => false)) return bin;
  const go = await findGo({ name: 'k8s-validate', module: 'ops/k8s-validate', version: 'local', minGo: [1, 26] });
  log(`k8s-validate: building with ${go} (the first build downloads its modules and takes a few minutes)`);
  await mkdir(path.dirname(bin), { recursive: true });
  const partial = `${bin}.${process.pid}`;
  // -mod=readonly: the committed go.mod and go.sum must be complete.
  await run(go, ['build', '-mod=readonly', '-trimpath', '-o', partial, '.'], { env: goEnv(path.join(CACHE, 'go')), cwd: SOURCE, timeoutMs: 30 * 60_000 });
  await rename(partial, bin);
  // Builds of earlier sources are not needed again.
  for (const old of await readdir(path.dirname(bin))) {
    if (/^k8s-validate-[0-9a-f]{16}$/.test(old) && old !== path.basename(bin)) await rm(path.join(path.dirname(bin), old), { force: true });
  }
  return bin;
}

/** Renders each kustomization directory and validates what it renders. */
export async function renderAndValidate(dirs: string[] = OVERLAYS, log?: (message: string) => void): Promise<Rendered[]> {
  const bin = await validatorBinary(log);
  const { stdout } = await promisify(execFile)(bin, dirs, { maxBuffer: 64 * 1024 * 1024 }).catch((error: unknown) => {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    // Exit 1: rendered, and some objects are invalid (the report says which).
    if (e.code === 1 && e.stdout) return { stdout: e.stdout };
    throw new Error(`k8s-validate failed: ${e.stderr || e.message}`, { cause: error });
  });
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Rendered);
}

if (import.meta.main) {
  const dirs = process.argv.slice(2).map((d) => path.resolve(d));
  const reports = await renderAndValidate(dirs.length ? dirs : OVERLAYS, (m) => console.error(m));
  for (const r of reports) {
    const kinds = new Map<string, number>();
    for (const o of r.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    console.log(`${path.relative(ROOT, r.dir) || r.dir}: ${r.objects.length} objects (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ${r.errors.length ? `${r.errors.length} invalid` : 'all valid'}`);
    for (const e of r.errors) console.log(`  ${e}`);
  }
  process.exitCode = reports.some((r) => r.errors.length) ? 1 : 0;
}
