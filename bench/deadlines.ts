// The waits of the bench's lab parts (lab speed, views cost, class grading): each has a deadline
// and names what did not answer, and the bench's Ctrl-C or SIGTERM (an AbortSignal) ends it at once.

/** Deadlines, generous for a busy machine (2 cores shared): a wait beyond them is a hang, not slowness. */
export const LAB_MS = 60_000;
export const KERNEL_START_MS = 60_000;
export const CELL_MS = 30_000;
export const INTERRUPT_MS = 10_000;
export const SHUTDOWN_MS = 30_000;

/** `promise`, or an Error naming `what` when it does not settle within ms or `signal` aborts. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  promise.catch(() => undefined); // settles later, after we gave up: not an unhandled rejection
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(new Error(`interrupted while waiting for ${what}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`))), ms);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => finish(() => resolve(value)), (err) => finish(() => reject(err)));
  });
}
