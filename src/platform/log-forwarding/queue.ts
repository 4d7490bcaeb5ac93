/**
 * A first-in first-out queue of fixed capacity: pushing onto a full queue drops the oldest
 * entry. A ring buffer, so neither end costs more as the queue fills.
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Adds at the back; returns how many entries were dropped to make room (0 or 1). */
  push(item: T): number {
    let dropped = 0;
    if (this.#length === this.capacity) {
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
      this.#length -= 1;
      dropped = 1;
    }
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length += 1;
    return dropped;
  }

  /** Removes and returns up to `n` entries from the front, oldest first. */
  take(n: number): T[] {
    const count = Math.min(n, this.#length);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
    }
    this.#length -= count;
    return out;
  }

  /**
   * Puts entries taken earlier back at the front, in their order. They are older than
   * everything queued since, so when there is not room for all, the oldest of them go:
   * returns how many.
   */
  requeue(entries: readonly T[]): number {
    const room = this.capacity - this.#length;
    const kept = Math.min(room, entries.length);
    for (let i = entries.length - 1; i >= entries.length - kept; i--) {
      this.#head = (this.#head - 1 + this.capacity) % this.capacity;
      this.#items[this.#head] = entries[i];
      this.#length += 1;
    }
    return entries.length - kept;
  }
}
