// Waiting for a descriptor to become readable or writable without blocking the event loop:
// one libuv poll handle per socket (koffi.node.poll = uv_poll_t on Node's own epoll). No thread
// per waiter, no threadpool at all.
// A waiter only learns "try again": the call itself reads or writes afterwards, so a waiter
// cancelled by a timeout, SIGINT or close() has consumed nothing.
//
// What a wait costs matters as much as what a system call costs: a receive loop that keeps up
// with its sender waits before nearly every datagram. So a wait is kept cheap:
// - the poll handle stays armed after a waiter is woken (re-arming is an epoll_ctl system call,
//   twice per wait); it is disarmed only when it reports an event that no call waits for, and
//   it holds the process alive (ref) only while some call waits;
// - deadlines share one lazily moved timer per descriptor instead of a timer per wait;
// - a handle nobody waits on any more is unref'd (so it cannot keep the process alive) only
//   after IDLE_UNREF_MS, by one shared timer: ref() and unref() are native calls each.
import { KeyboardInterrupt, OSError, timedOut } from "./errors";
import { whilePending } from "./interrupt";
import * as libc from "./libc";

const MAX_TIMER_MS = 2 ** 31 - 1;
const READ = 1;
const WRITE = 2;
const IDLE_UNREF_MS = 10;

// Watches whose handle is still ref'd although no call waits; the shared timer unrefs them.
const idleWatches = new Set<FdWatch>();
let idleTimer: NodeJS.Timeout | undefined;

function sweepIdle(): void {
  idleTimer = undefined;
  const now = performance.now();
  let next = Infinity;
  for (const watch of idleWatches) {
    const left = watch.unrefIfIdle(now);
    if (left === null) idleWatches.delete(watch);
    else next = Math.min(next, left);
  }
  // Unref'd: the handles themselves keep the process alive while they are ref'd.
  if (idleWatches.size > 0) (idleTimer = setTimeout(sweepIdle, next)).unref();
}

export type Direction = "read" | "write";

/** One pending wait: settled exactly once (woken, timed out, interrupted or disposed). */
class Waiter {
  resolve!: () => void;
  reject!: (err: Error) => void;
  stopListening: (() => void) | null = null;
  readonly promise: Promise<void>;

  constructor(readonly watch: FdWatch, readonly bit: number, readonly deadline: number | null, readonly call: string) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** SIGINT (interrupt.ts): the call ends with KeyboardInterrupt, nothing consumed. */
  interrupt(): void {
    this.watch.settle(this, new KeyboardInterrupt(`${this.call} interrupted; nothing was lost and the socket is still usable`));
  }
}

/** The readiness state of one socket descriptor. */
export class FdWatch {
  private handle: libc.PollHandle | null = null;
  /** Events the poll handle watches now (it may watch a direction nobody waits for: lazy disarm). */
  private armed = 0;
  private referenced = false;
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() when the last waiter left (for the idle unref). */
  private idleSince = 0;
  /** When the timer fires (performance.now() ms), or null when there is none. */
  private timerAt: number | null = null;

  constructor(readonly fd: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves when the descriptor is ready in that direction (or reports an error, which the
   * retried call will then surface). Rejects with TimeoutError at the deadline
   * (performance.now() milliseconds; null = never) and with KeyboardInterrupt on SIGINT.
   */
  wait(direction: Direction, deadline: number | null, call: string): Promise<void> {
    const waiter = new Waiter(this, direction === "read" ? READ : WRITE, deadline, call);
    this.waiters.push(waiter);
    waiter.stopListening = whilePending(waiter);
    if (deadline !== null && (this.timerAt === null || deadline < this.timerAt)) this.armTimer(deadline);
    this.update();
    return waiter.promise;
  }

  /** Ends every waiting call with this error (close() during a pending call) and frees the poll handle. */
  dispose(err: Error): void {
    for (const waiter of [...this.waiters]) this.settle(waiter, err);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = null;
    if (this.handle !== null) {
      this.handle.close();
      this.handle = null;
    }
    this.armed = 0;
    this.referenced = false;
    idleWatches.delete(this);
  }

  /** For the shared idle timer: unrefs the handle if nobody waited for IDLE_UNREF_MS; null = done, else ms left. */
  unrefIfIdle(now: number): number | null {
    if (this.waiters.length > 0 || !this.referenced || this.handle === null) return null;
    const left = this.idleSince + IDLE_UNREF_MS - now;
    if (left > 0) return left;
    this.handle.unref();
    this.referenced = false;
    return null;
  }

  /** Removes a waiter and ends its call: resolved (try again) without err, rejected with it. */
  settle(waiter: Waiter, err?: Error): void {
    const at = this.waiters.indexOf(waiter);
    if (at < 0) return;
    this.waiters.splice(at, 1);
    waiter.stopListening?.();
    if (this.waiters.length === 0 && this.referenced && this.handle !== null) {
      // Nobody waits: the (maybe still armed) handle must not keep the process alive for long.
      this.idleSince = performance.now();
      idleWatches.add(this);
      if (idleTimer === undefined) (idleTimer = setTimeout(sweepIdle, IDLE_UNREF_MS)).unref();
    }
    if (err === undefined) waiter.resolve();
    else waiter.reject(err);
  }

  /** Arms the poll handle for every direction some call waits for, and refs it while they wait. */
  private update(): void {
    let wanted = 0;
    for (const waiter of this.waiters) wanted |= waiter.bit;
    if (wanted === 0) return;
    try {
      if ((wanted & ~this.armed) !== 0) this.start(wanted | this.armed);
      if (!this.referenced && this.handle !== null) {
        this.handle.ref();
        this.referenced = true;
      }
    } catch (err) {
      // libuv refused to watch the descriptor: the waiting calls fail instead of hanging.
      this.armed = 0;
      const failure = new OSError(`cannot wait for descriptor ${this.fd}: ${(err as Error).message}`);
      for (const waiter of [...this.waiters]) this.settle(waiter, failure);
    }
  }

  private start(events: number): void {
    const opts = { readable: (events & READ) !== 0, writable: (events & WRITE) !== 0 };
    if (this.handle === null) {
      this.handle = libc.pollHandle(this.fd, opts, this.onPoll);
      this.referenced = true;
    } else {
      this.handle.start(opts, this.onPoll);
    }
    this.armed = events;
  }

  private stop(): void {
    this.handle?.stop();
    this.armed = 0;
  }

  private armTimer(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    // setTimeout holds at most 2**31-1 ms (~24.8 days); a later deadline re-arms on the way.
    // Unref'd: while a call waits, its ref'd poll handle keeps the process alive.
    this.timer = setTimeout(this.onTimer, Math.min(Math.max(0, at - performance.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = null;
    const now = performance.now();
    let next: number | null = null;
    for (const waiter of [...this.waiters]) {
      if (waiter.deadline === null) continue;
      if (waiter.deadline <= now) this.settle(waiter, timedOut());
      else if (next === null || waiter.deadline < next) next = waiter.deadline;
    }
    if (next !== null) this.armTimer(next);
  };

  // koffi calls back with (status, events); status < 0 means libuv saw POLLERR and stopped the handle.
  private readonly onPoll = (status: unknown, events?: { readable: boolean; writable: boolean }): void => {
    if (typeof status === "number" && status < 0) {
      this.armed = 0;
      for (const waiter of [...this.waiters]) this.settle(waiter);
      return;
    }
    const ev = (typeof status === "object" ? status : events) as { readable: boolean; writable: boolean } | undefined;
    const ready = (ev?.readable ? READ : 0) | (ev?.writable ? WRITE : 0);
    let woken = 0;
    const waiters = this.waiters.length === 1 ? [this.waiters[0]] : [...this.waiters];
    for (const waiter of waiters) {
      if ((waiter.bit & ready) !== 0) {
        woken |= waiter.bit;
        this.settle(waiter);
      }
    }
    // A direction that is ready while no call waited for it would be reported on every loop
    // turn until someone reads or writes: stop watching it (a later wait arms it again).
    const unwanted = ready & ~woken & this.armed;
    if (unwanted !== 0) {
      let still = 0;
      for (const waiter of this.waiters) still |= waiter.bit;
      const keep = this.armed & ~unwanted;
      if (keep === 0 || still === 0) this.stop();
      else this.start(keep);
    }
  };
}
