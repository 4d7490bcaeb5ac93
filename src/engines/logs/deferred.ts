/**
 * A log index that connects in the background. Logs are best effort: a process must
 * neither wait for nor be reported unready because of the index. Until it is open,
 * writes fail (the shipper keeps them, bounded) and searches answer "unavailable".
 */
import { EngineUnavailableError } from '../shared/unavailable.ts';
import type { LogEntry, LogIndex, LogQuery } from './port.ts';

export class LogIndexUnavailableError extends EngineUnavailableError {}

export class DeferredLogIndex implements LogIndex {
  #index: LogIndex | undefined;
  #closed = false;
  readonly #engine: string;

  /** `open` is expected to retry by itself until it succeeds or `stopped()` turns true. */
  constructor(engine: string, open: (stopped: () => boolean) => Promise<LogIndex>) {
    this.#engine = engine;
    void open(() => this.#closed).then(
      (index) => (this.#closed ? index.close() : void (this.#index = index)),
      () => undefined,
    );
  }

  #open(): LogIndex {
    if (!this.#index) throw new LogIndexUnavailableError(this.#engine, `${this.#engine} is not connected yet`);
    return this.#index;
  }

  index(entries: LogEntry[]): Promise<void> {
    return Promise.resolve().then(() => this.#open().index(entries));
  }

  search(query: LogQuery): Promise<LogEntry[]> {
    return Promise.resolve().then(() => this.#open().search(query));
  }

  isReady(): boolean {
    return this.#index?.isReady() ?? false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#index?.close();
  }
}
