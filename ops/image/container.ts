/**
 * Runs the Orbit image the way the image test and `node ops/image/measure.ts` do: rootful
 * podman on runc, read-only root filesystem, a host directory as the /data volume, the port
 * published on loopback only.
 */
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { podman, runOptions, UID } from './image.ts';
import { freePort } from '../engines/engine.ts';

export interface RunningContainer {
  name: string;
  /** http://127.0.0.1:<published port> */
  url: string;
  dataDir: string;
  /** Milliseconds from `podman run` to the first 200 from /readyz. */
  readyMs: number;
  remove(): Promise<void>;
}

/** A host directory the container's user owns, for the /data volume. */
export async function dataVolume(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orbit-image-data-'));
  if (process.getuid?.() === 0) await chown(dir, UID, UID);
  return dir;
}

/**
 * `podman run -d` the image (`args` after the image, e.g. ['start']) and waits for /readyz.
 * The container is left in place (stopped or not) until `remove()`.
 */
export async function runContainer(reference: string, options: { env?: Record<string, string>; args?: string[]; dataDir?: string; readyTimeoutMs?: number; name?: string } = {}): Promise<RunningContainer> {
  const dataDir = options.dataDir ?? (await dataVolume());
  const port = await freePort();
  const name = options.name ?? `orbit-image-${process.pid}-${Date.now().toString(36)}`;
  const url = `http://127.0.0.1:${port}`;
  const remove = async () => {
    await podman(['rm', '--force', '--time', '0', name]).catch(() => undefined);
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const started = performance.now();
  await podman([
    'run', '--detach', '--name', name, '--read-only', '--volume', `${dataDir}:/data`, '--publish', `127.0.0.1:${port}:8080`,
    ...runOptions(),
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    reference, ...(options.args ?? ['start']),
  ]).catch(async (error) => {
    await remove();
    throw error;
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
    if (status === 200) break;
    const state = (await podman(['inspect', '--format', '{{.State.Status}}', name]).catch(() => 'gone')).trim();
    if (state !== 'running' || Date.now() > deadline) {
      const logs = await podman(['logs', name]).catch((e: Error) => e.message);
      await remove();
      throw new Error(`${name} is ${state} and /readyz answered ${status || 'nothing'}:\n${logs}`);
    }
    await sleep(100);
  }
  return { name, url, dataDir, readyMs: performance.now() - started, remove };
}
