/**
 * Waits for `promise`, but no longer than `ms`: resolves with its value, or with undefined
 * once `ms` have passed (the promise goes on, unobserved). Rejects only when the promise
 * rejects within `ms`. The timer is cleared either way, so it never holds the event loop.
 */
export async function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
