/**
 * Min, max and mean of the values in a sliding time window, each in amortised O(1)
 * per reading (monotonic deques for min and max, a running sum for the mean).
 */
export interface WindowStats {
  min: number;
  max: number;
  mean: number;
  count: number;
}

interface Sample {
  time: number;
  value: number;
}

export class RollingWindow {
  readonly #spanMs: number;
  #samples: Sample[] = [];
  #head = 0;
  #mins: Sample[] = [];
  #maxs: Sample[] = [];
  #sum = 0;

  constructor(spanMs: number) {
    this.#spanMs = spanMs;
  }

  /** Adds a sample no older than the previous one and returns the window's stats. */
  push(time: number, value: number): WindowStats {
    this.add(time, value);
    return this.stats();
  }

  /** Adds a sample no older than the previous one. */
  add(time: number, value: number): void {
    const sample = { time, value };
    this.#samples.push(sample);
    this.#sum += value;
    while (this.#mins.length && this.#mins.at(-1)!.value >= value) this.#mins.pop();
    this.#mins.push(sample);
    while (this.#maxs.length && this.#maxs.at(-1)!.value <= value) this.#maxs.pop();
    this.#maxs.push(sample);
    this.#evictBefore(time - this.#spanMs);
  }

  stats(): WindowStats {
    const count = this.#samples.length - this.#head;
    return { min: this.#mins[0]?.value ?? Number.NaN, max: this.#maxs[0]?.value ?? Number.NaN, mean: count ? this.#sum / count : Number.NaN, count };
  }

  #evictBefore(cutoff: number): void {
    while (this.#head < this.#samples.length && this.#samples[this.#head]!.time <= cutoff) {
      const old = this.#samples[this.#head++]!;
      this.#sum -= old.value;
      if (this.#mins[0] === old) this.#mins.shift();
      if (this.#maxs[0] === old) this.#maxs.shift();
    }
    // Compact now and then so the array does not grow for ever.
    if (this.#head > 1024 && this.#head * 2 > this.#samples.length) {
      this.#samples = this.#samples.slice(this.#head);
      this.#head = 0;
    }
  }
}
