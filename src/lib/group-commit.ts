/**
 * Group commit: work items handed in while a flush is running are flushed together in
 * the next one, so a busy pipeline pays per-statement costs once per group rather than
 * once per item, and an idle one adds no delay. If a group fails, its items are flushed
 * one by one, so one bad item cannot fail the others.
 */
export class GroupCommit<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  #pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #running = false;

  constructor(flush: (items: T[]) => Promise<void>) {
    this.#flush = flush;
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#pending.length) {
      const group = this.#pending;
      this.#pending = [];
      try {
        await this.#flush(group.map((g) => g.item));
        for (const g of group) g.resolve();
      } catch (error) {
        if (group.length === 1) group[0]!.reject(error);
        else {
          for (const g of group) {
            await this.#flush([g.item]).then(g.resolve, g.reject);
          }
        }
      }
    }
    this.#running = false;
  }
}
