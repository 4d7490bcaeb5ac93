/** A wait that something else can cut short. */
export class Wakeup {
  private wakeNow: (() => void) | undefined;
  private readonly unref: boolean;

  /** `unref`: a wait does not keep the process alive by itself (a background check, say). */
  constructor(options: { unref?: boolean } = {}) {
    this.unref = options.unref ?? false;
  }

  /** Ends the waits under way at once; does nothing while none is. */
  wake(): void {
    this.wakeNow?.();
  }

  /** Resolves after `ms`, or sooner when woken. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      if (this.unref) timer.unref();
      const previous = this.wakeNow;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeNow = () => {
        previous?.();
        done();
      };
    }).finally(() => {
      this.wakeNow = undefined;
    });
  }
}
