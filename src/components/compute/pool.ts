/**
 * A fixed-size pool of worker threads running one script. Tasks queue in order and
 * go to the first idle worker; a worker that crashes fails only its own task and is
 * replaced. Small enough to own rather than depend on a pool library: the only needs
 * are ordering, crash isolation, transferable results and a clean shutdown.
 *
 * The worker script posts `{ ready: true }` once loaded, then answers every
 * `{ id, input }` message with `{ id, ok: true, value }` or
 * `{ id, ok: false, error: { name, message, ...details } }` (see worker-protocol.ts).
 */
import { Worker } from 'node:worker_threads';
import type { ReadyMessage, TaskReply, TaskRequest } from './worker-protocol.ts';

/** The pool was closed before the task finished; the task may be retried elsewhere. */
export class PoolClosedError extends Error {
  constructor() {
    super('the worker pool is closed');
    this.name = 'PoolClosedError';
  }
}

/** An error raised inside a worker, rebuilt on this side with its name and extra fields. */
export class WorkerTaskError extends Error {
  readonly details: Record<string, unknown>;
  constructor(name: string, message: string, details: Record<string, unknown>) {
    super(message);
    this.name = name;
    this.details = details;
  }
}

interface Task<I, O> {
  id: number;
  input: I;
  resolve(value: O): void;
  reject(error: Error): void;
}

interface Slot<I, O> {
  worker: Worker;
  task?: Task<I, O>;
}

export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
}

export class WorkerPool<I, O> {
  readonly size: number;
  readonly #script: URL;
  readonly #slots = new Set<Slot<I, O>>();
  readonly #queue: Task<I, O>[] = [];
  #nextId = 1;
  #state: 'new' | 'running' | 'closed' = 'new';

  readonly #onCrash?: (error: Error) => void;

  constructor(script: URL, size: number, options: { onCrash?: (error: Error) => void } = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.#script = script;
    this.size = size;
    this.#onCrash = options.onCrash;
  }

  /** Resolves once every worker has loaded its script and said so; rejects if one cannot. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`cannot start a pool that is ${this.#state}`);
    this.#state = 'running';
    try {
      await Promise.all(Array.from({ length: this.size }, () => this.#spawn()));
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  stats(): PoolStats {
    let busy = 0;
    for (const slot of this.#slots) if (slot.task) busy++;
    return { size: this.size, busy, queued: this.#queue.length };
  }

  /**
   * Runs a task on the first idle worker. When `signal` aborts, a task still queued is
   * dropped and rejects with the signal's reason; one already on a worker runs to its end
   * (a worker thread cannot be interrupted short of ending it).
   */
  run(input: I, signal?: AbortSignal): Promise<O> {
    if (this.#state !== 'running') return Promise.reject(this.#state === 'closed' ? new PoolClosedError() : new Error('the worker pool is not started'));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<O>((resolve, reject) => {
      const task: Task<I, O> = { id: this.#nextId++, input, resolve, reject };
      if (signal) {
        const drop = () => {
          const at = this.#queue.indexOf(task);
          if (at >= 0) {
            this.#queue.splice(at, 1);
            reject(signal.reason as Error);
          }
        };
        signal.addEventListener('abort', drop, { once: true });
        task.resolve = (value) => {
          signal.removeEventListener('abort', drop);
          resolve(value);
        };
        task.reject = (error) => {
          signal.removeEventListener('abort', drop);
          reject(error);
        };
      }
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  /** Fails queued and running tasks with PoolClosedError and stops every worker. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const closed = new PoolClosedError();
    for (const task of this.#queue.splice(0)) task.reject(closed);
    const stopping: Promise<number>[] = [];
    for (const slot of this.#slots) {
      slot.task?.reject(closed);
      slot.task = undefined;
      stopping.push(slot.worker.terminate());
    }
    this.#slots.clear();
    await Promise.all(stopping);
  }

  #spawn(): Promise<void> {
    const worker = new Worker(this.#script);
    const slot: Slot<I, O> = { worker };
    this.#slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      // Not Node's 'online', which fires before the script has finished loading (or failed to).
      let ready = false;
      let uncaught: Error | undefined;
      worker.on('message', (reply: TaskReply<O> | ReadyMessage) => {
        if ('ready' in reply) {
          ready = true;
          resolve();
          return;
        }
        const task = slot.task;
        if (!task || task.id !== reply.id) return;
        slot.task = undefined;
        if (reply.ok) task.resolve(reply.value);
        else {
          const { name, message, ...details } = reply.error;
          task.reject(new WorkerTaskError(name, message, details));
        }
        this.#dispatch();
      });
      // An uncaught exception ends the worker; 'exit' follows and does the cleanup.
      worker.on('error', (error) => {
        uncaught = error;
      });
      worker.once('exit', (code) => {
        const task = slot.task;
        slot.task = undefined;
        if (!this.#slots.delete(slot)) return;
        const crash = uncaught ?? new Error(`worker thread exited with code ${code}`);
        task?.reject(crash);
        if (!ready) {
          reject(crash);
          return;
        }
        this.#onCrash?.(crash);
        // Only a worker that once loaded is replaced: a script that cannot load would respawn forever.
        if (this.#state === 'running') this.#spawn().then(() => this.#dispatch(), (error: Error) => this.#lost(error));
      });
    });
  }

  /** A replacement worker could not load: with no worker left, queued tasks would wait forever. */
  #lost(error: Error): void {
    this.#onCrash?.(error);
    if (this.#slots.size === 0) for (const task of this.#queue.splice(0)) task.reject(error);
  }

  #dispatch(): void {
    if (this.#state !== 'running') return;
    for (const slot of this.#slots) {
      if (!this.#queue.length) return;
      // A worker still loading keeps the message until its script is ready for it.
      if (slot.task) continue;
      const task = this.#queue.shift()!;
      slot.task = task;
      const request: TaskRequest<I> = { id: task.id, input: task.input };
      slot.worker.postMessage(request);
    }
  }
}
