/**
 * Every injected anomaly, kept in memory for the API and appended to a JSON-lines
 * file so detection can be scored after the fact, across restarts.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Injection } from './anomalies.ts';

export interface InjectionFilter {
  spacecraft?: string;
  kind?: string;
  /** Only injections that started at or after this epoch-millisecond time. */
  sinceMs?: number;
  limit?: number;
}

export class InjectionLog {
  readonly file: string;
  #logger: Logger;
  #maxKept: number;
  #entries: Injection[] = [];
  #writes: Promise<void> = Promise.resolve();
  #writeFailed = false;

  constructor(file: string, logger: Logger, maxKept = 10_000) {
    this.file = file;
    this.#logger = logger;
    this.#maxKept = maxKept;
  }

  /** Earlier runs' injections; a missing file is an empty history, a damaged line is skipped. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn({ err: error, file: this.file }, 'could not read earlier injections');
      return;
    }
    let damaged = 0;
    const loaded: Injection[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as Injection;
        if (typeof entry.id === 'string' && typeof entry.startedAt === 'string') loaded.push(entry);
        else damaged++;
      } catch {
        damaged++;
      }
    }
    if (damaged) this.#logger.warn({ file: this.file, damaged }, 'skipped damaged lines in the injection log');
    this.#entries = [...loaded, ...this.#entries].slice(-this.#maxKept);
  }

  record(injection: Injection): void {
    this.#entries.push(injection);
    if (this.#entries.length > this.#maxKept) this.#entries.splice(0, this.#entries.length - this.#maxKept);
    // Chained so lines land whole and in order.
    this.#writes = this.#writes.then(async () => {
      try {
        await mkdir(path.dirname(this.file), { recursive: true });
        await appendFile(this.file, `${JSON.stringify(injection)}\n`);
        this.#writeFailed = false;
      } catch (error) {
        if (!this.#writeFailed) this.#logger.warn({ err: error, file: this.file }, 'could not append to the injection log; injections are kept in memory only');
        this.#writeFailed = true;
      }
    });
  }

  /** Oldest first; with a limit, the most recent `limit`. */
  list(filter: InjectionFilter = {}): Injection[] {
    const selected = this.#entries.filter(
      (e) =>
        (filter.spacecraft === undefined || e.spacecraft === filter.spacecraft) &&
        (filter.kind === undefined || e.kind === filter.kind) &&
        (filter.sinceMs === undefined || Date.parse(e.startedAt) >= filter.sinceMs),
    );
    return filter.limit === undefined ? selected : selected.slice(-filter.limit);
  }

  /** Resolves once every recorded injection is on disk (or failed to get there). */
  flush(): Promise<void> {
    return this.#writes;
  }
}
