/** Waiting in tests: fixed pauses and polling until assertions hold. */

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `check` until it stops throwing. After `timeoutMs` the last failure is thrown
 * as it is, so the report shows the assertion that never came true.
 */
export async function until(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}
