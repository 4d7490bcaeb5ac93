/** Resident memory of processes from /proc, as the benchmarks report it. */
import { readFile } from 'node:fs/promises';

/** Peak resident memory since start (VmHWM) and now (VmRSS), in bytes, summed over the processes. */
export async function memory(pids: number[]): Promise<{ peak: number; now: number }> {
  let peak = 0;
  let now = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    peak += kb('VmHWM');
    now += kb('VmRSS');
  }
  return { peak, now };
}
