// Waiting for a descriptor to become readable or writable without blocking the event loop:
// one libuv poll handle per socket (koffi.node.poll = uv_poll_t on Node's own epoll), armed
// only while some call waits on it. No thread per waiter, no threadpool at all.
// A waiter only learns "try again": the call itself reads or writes afterwards, so a waiter
// cancelled by a timeout, SIGINT or close() has consumed nothing.
import { KeyboardInterrupt, OSError, timedOut } from "./errors";
import { whilePending } from "./interrupt";
import * as libc from "./libc";

const MAX_TIMER_MS = 2 ** 31 - 1;
const READ = 1;
const WRITE = 2;

interface Waiter {
  wake(): void;
  fail(err: Error): void;
}

export type Direction = "read" | "write";

/** The readiness state of one socket descriptor. */
export class FdWatch {
  private handle: libc.PollHandle | null = null;
  private armed = 0;
  private readonly readers = new Set<Waiter>();
  private readonly writers = new Set<Waiter>();

  constructor(readonly fd: number) {}

  get waiting(): number {
    return this.readers.size + this.writers.size;
  }

  /**
   * Resolves when the descriptor is ready in that direction (or reports an error, which the
   * retried call will then surface). Rejects with TimeoutError at the deadline
   * (performance.now() milliseconds; null = never) and with KeyboardInterrupt on SIGINT.
   */
  wait(direction: Direction, deadline: number | null, call: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const set = direction === "read" ? this.readers : this.writers;
      let timer: NodeJS.Timeout | undefined;
      const settle = (): void => {
        set.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        stopListening();
        this.rearm();
      };
      const waiter: Waiter = {
        wake: () => { settle(); resolve(); },
        fail: (err) => { settle(); reject(err); },
      };
      const stopListening = whilePending({
        interrupt: () => waiter.fail(new KeyboardInterrupt(`${call} interrupted; nothing was lost and the socket is still usable`)),
      });
      set.add(waiter);
      if (deadline !== null) {
        // setTimeout holds at most 2**31-1 ms (~24.8 days); longer timeouts re-arm until the deadline.
        const arm = (): void => {
          const left = deadline - performance.now();
          if (left <= 0) waiter.fail(timedOut());
          else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
        };
        timer = setTimeout(arm, Math.min(Math.max(0, deadline - performance.now()), MAX_TIMER_MS));
      }
      this.rearm();
    });
  }

  /** Ends every waiting call with this error (close() during a pending call) and frees the poll handle. */
  dispose(err: Error): void {
    for (const waiter of [...this.readers, ...this.writers]) waiter.fail(err);
    if (this.handle !== null) {
      this.handle.close();
      this.handle = null;
    }
    this.armed = 0;
  }

  private rearm(): void {
    const wanted = (this.readers.size > 0 ? READ : 0) | (this.writers.size > 0 ? WRITE : 0);
    if (wanted === this.armed) return;
    try {
      if (wanted === 0) {
        this.handle?.stop();
      } else {
        const events = { readable: (wanted & READ) !== 0, writable: (wanted & WRITE) !== 0 };
        if (this.handle === null) this.handle = libc.pollHandle(this.fd, events, this.onPoll);
        else this.handle.start(events, this.onPoll);
      }
      this.armed = wanted;
    } catch (err) {
      // libuv refused to watch the descriptor: the waiting calls fail instead of hanging.
      this.armed = 0;
      const failure = new OSError(`cannot wait for descriptor ${this.fd}: ${(err as Error).message}`);
      for (const waiter of [...this.readers, ...this.writers]) waiter.fail(failure);
    }
  }

  // koffi calls back with (status, events); status < 0 means libuv saw POLLERR and stopped the handle.
  private readonly onPoll = (status: unknown, events?: { readable: boolean; writable: boolean }): void => {
    if (typeof status === "number" && status < 0) {
      this.armed = 0;
      for (const waiter of [...this.readers, ...this.writers]) waiter.wake();
      return;
    }
    const ev = (typeof status === "object" ? status : events) as { readable: boolean; writable: boolean } | undefined;
    if (ev?.readable) for (const waiter of [...this.readers]) waiter.wake();
    if (ev?.writable) for (const waiter of [...this.writers]) waiter.wake();
  };
}
