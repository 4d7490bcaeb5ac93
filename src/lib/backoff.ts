/**
 * Backoff delays, written once: delays that double from a first one up to a cap, with
 * jitter, for every loop that tries something again (engines, log backends).
 */
export interface BackoffOptions {
  /** The first delay. Default 250 ms. */
  initialMs?: number;
  /** Delays stop doubling here (jitter may still add up to a quarter). Default 5 s. */
  maxMs?: number;
}

/** Each call gives the next delay; `reset()` starts again from the first, after a success. */
export interface Backoff {
  (): number;
  reset(): void;
}

export function backoffDelays({ initialMs = 250, maxMs = 5000 }: BackoffOptions = {}): Backoff {
  let next = initialMs;
  const delay = (): number => {
    // Jitter keeps many clients from retrying in lockstep against a recovering engine.
    const ms = Math.round(next * (0.75 + Math.random() * 0.5));
    next = Math.min(maxMs, next * 2);
    return ms;
  };
  return Object.assign(delay, {
    reset: () => {
      next = initialMs;
    },
  });
}
