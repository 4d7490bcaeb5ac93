/**
 * In-process, durable task queue. Every queue is a directory of the store with its own
 * logs (local-queue.ts); the store declares queues, keeps their options next to them
 * and hands out consumers (consumer.ts), whose close() waits for running handlers.
 */
import path from 'node:path';
import { dirToName, listDirs, mkdirDurable, nameToDir, readJsonIfExists, writeJsonAtomic } from '../storage/files.ts';
import { lockDir } from '../storage/lock.ts';
import type { DamageListener } from '../storage/damage.ts';
import type { DirLock } from '../storage/lock.ts';
import { LocalConsumer } from './consumer.ts';
import { LocalQueue } from './local-queue.ts';
import type { ConsumeOptions, Consumer, DeadLetter, Handler, PublishOptions, QueueDepth, QueueOptions, TaskQueue } from './port.ts';
import { checkPrefetch, DEFAULT_QUEUE_OPTIONS, definedOptions, validateQueueOptions } from './queue-options.ts';

export interface EmbeddedTaskQueueOptions {
  /** Segment size of each queue's log. Default 16 MiB. */
  segmentBytes?: number;
  /** Recent message bytes per queue kept in memory for delivery. Default 32 MiB. */
  cacheBytes?: number;
  /** How long Consumer.close() waits for running handlers before handing their messages back. Default 10 s. */
  closeGraceMs?: number;
  /** Dead letters older than this are deleted (whole segments at a time). Default 30 days. */
  deadLetterRetentionMs?: number;
  /** Period of space reclamation and dead-letter expiry. Default 1 s. */
  maintenanceIntervalMs?: number;
  /** Told of every damaged record found in a queue's logs (which skip it and go on). */
  onDamage?: DamageListener;
}

const DEFAULTS = {
  segmentBytes: 16 * 1024 * 1024,
  cacheBytes: 32 * 1024 * 1024,
  closeGraceMs: 10_000,
  deadLetterRetentionMs: 30 * 24 * 3600 * 1000,
  maintenanceIntervalMs: 1000,
};
type Settings = typeof DEFAULTS & { onDamage?: DamageListener };

export class EmbeddedTaskQueue implements TaskQueue {
  private readonly dir: string;
  private readonly settings: Settings;
  private readonly queues = new Map<string, LocalQueue>();
  private readonly declaring = new Map<string, Promise<LocalQueue>>();
  private readonly maintenance: NodeJS.Timeout;
  private readonly lock: DirLock;
  private closed = false;

  private constructor(dir: string, settings: Settings, lock: DirLock) {
    this.dir = dir;
    this.settings = settings;
    this.lock = lock;
    this.maintenance = setInterval(() => void this.maintain(), settings.maintenanceIntervalMs);
    this.maintenance.unref();
  }

  static async open(dir: string, options: EmbeddedTaskQueueOptions = {}): Promise<EmbeddedTaskQueue> {
    const settings: Settings = { ...DEFAULTS, onDamage: options.onDamage };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      if (options[key] !== undefined) settings[key] = options[key];
    }
    await mkdirDurable(dir);
    const store = new EmbeddedTaskQueue(dir, settings, await lockDir(dir, 'queue.lock'));
    try {
      for (const sub of await listDirs(dir)) {
        const saved = await readJsonIfExists<QueueOptions>(path.join(dir, sub, 'queue.json'));
        if (!saved) continue;
        const name = dirToName(sub);
        store.queues.set(name, await LocalQueue.open(name, path.join(dir, sub), { ...DEFAULT_QUEUE_OPTIONS, ...saved }, settings));
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async assertQueue(name: string, options: Partial<QueueOptions> = {}): Promise<void> {
    await this.declare(name, options);
  }

  private async declare(name: string, options: Partial<QueueOptions>): Promise<LocalQueue> {
    this.assertOpen();
    if (!name) throw new RangeError('queue name must not be empty');
    validateQueueOptions(options);
    const pending = this.declaring.get(name);
    if (pending) await pending.catch(() => undefined);
    const existing = this.queues.get(name);
    if (existing) {
      const merged = { ...existing.options, ...definedOptions(options) };
      if (merged.maxAttempts !== existing.options.maxAttempts || merged.retryDelayMs !== existing.options.retryDelayMs) {
        existing.options = merged;
        await writeJsonAtomic(path.join(existing.directory, 'queue.json'), merged);
      }
      return existing;
    }
    const creating = (async () => {
      const dir = path.join(this.dir, nameToDir(name));
      await mkdirDurable(dir);
      const queueOptions = { ...DEFAULT_QUEUE_OPTIONS, ...definedOptions(options) };
      const queue = await LocalQueue.open(name, dir, queueOptions, this.settings);
      await writeJsonAtomic(path.join(dir, 'queue.json'), queueOptions);
      this.queues.set(name, queue);
      return queue;
    })();
    this.declaring.set(name, creating);
    try {
      return await creating;
    } finally {
      this.declaring.delete(name);
    }
  }

  private async queue(name: string): Promise<LocalQueue> {
    return this.queues.get(name) ?? (await this.declare(name, {}));
  }

  async publish<T>(queue: string, body: T, options: PublishOptions = {}): Promise<string> {
    this.assertOpen();
    return (await this.queue(queue)).publish(body, options);
  }

  async consume<T>(queue: string, handler: Handler<T>, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    checkPrefetch(options.prefetch);
    const local = await this.queue(queue);
    const consumer = new LocalConsumer(local, handler as Handler<unknown>, options.prefetch, this.settings.closeGraceMs);
    local.addConsumer(consumer);
    return consumer;
  }

  async deadLetters<T>(queue: string, limit = 100): Promise<DeadLetter<T>[]> {
    this.assertOpen();
    const local = this.queues.get(queue);
    return local ? local.deadLetters<T>(limit) : [];
  }

  async depth(queue: string): Promise<QueueDepth> {
    this.assertOpen();
    return this.queues.get(queue)?.depth() ?? { ready: 0, unacked: 0, deadLettered: 0 };
  }

  isReady(): boolean {
    if (this.closed) return false;
    for (const queue of this.queues.values()) if (queue.error) return false;
    return true;
  }

  /** Reclaims space and expires dead letters now; also runs periodically. */
  async maintain(): Promise<void> {
    for (const queue of this.queues.values()) await queue.maintain().catch(() => undefined);
  }

  /**
   * Stops every consumer at once (running handlers are not awaited; close consumers first
   * for a graceful stop), writes out pending records and releases the files. Unsettled
   * messages are delivered again after reopening.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenance);
    await Promise.allSettled([...this.declaring.values()]);
    for (const queue of this.queues.values()) await queue.close();
    await this.lock.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('task queue is closed');
  }
}
