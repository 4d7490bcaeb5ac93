/**
 * A small durable key -> JSON value map backed by a record log: every set() appends a
 * change record; once older segments pile up, a snapshot of the whole map is appended and
 * everything before it is deleted. Values are visible in memory at once; set() resolves
 * when the change is durable.
 */
import { RecordLog } from './record-log.ts';
import type { DamageListener } from './damage.ts';

interface Change {
  k?: string;
  v?: unknown;
  /** Whole-map snapshot: replaces everything before it. */
  all?: [string, unknown][];
}

export interface DurableMapOptions {
  segmentBytes?: number;
  onDamage?: DamageListener;
}

export class DurableMap<V> {
  private readonly log: RecordLog;
  private readonly values = new Map<string, V>();
  private compacting = false;

  private constructor(log: RecordLog) {
    this.log = log;
  }

  static async open<V>(dir: string, options: DurableMapOptions = {}): Promise<DurableMap<V>> {
    const log = await RecordLog.open(dir, { segmentBytes: options.segmentBytes ?? 1024 * 1024, cacheBytes: 0, onDamage: options.onDamage });
    const map = new DurableMap<V>(log);
    await log.scan(log.start, (record) => {
      const change = JSON.parse(record.payload.toString('utf8')) as Change;
      if (change.all) {
        map.values.clear();
        for (const [k, v] of change.all) map.values.set(k, v as V);
      } else if (change.k !== undefined) {
        if (change.v === undefined) map.values.delete(change.k);
        else map.values.set(change.k, change.v as V);
      }
    });
    return map;
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.values.entries();
  }

  async set(key: string, value: V): Promise<void> {
    this.values.set(key, value);
    await this.log.append([JSON.stringify({ k: key, v: value } satisfies Change)]);
    await this.maybeCompact();
  }

  async delete(key: string): Promise<void> {
    if (!this.values.delete(key)) return;
    await this.log.append([JSON.stringify({ k: key } satisfies Change)]);
    await this.maybeCompact();
  }

  get error(): Error | null {
    return this.log.error;
  }

  private async maybeCompact(): Promise<void> {
    if (this.compacting || this.log.segments().length < 3) return;
    this.compacting = true;
    try {
      // Every change before the snapshot is already reflected in memory, hence in the snapshot.
      const seq = await this.log.append([JSON.stringify({ all: [...this.values] } satisfies Change)]);
      await this.log.deleteBefore(this.log.segmentOf(seq));
    } finally {
      this.compacting = false;
    }
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
