// SIGINT (the notebook's stop button, Ctrl-C) ends every pending call with KeyboardInterrupt.
// The listener is installed only while some call is pending: an idle script still dies on
// Ctrl-C as Node's default, and tslab's own SIGINT handling is left alone.
//
// The listener is added one macrotask after the call starts, never synchronously: tslab runs
// a cell's synchronous part under vm's breakOnSigint, which removes all SIGINT listeners and,
// when the part ends, leaves the process-killing default handler in place unless the
// listeners are re-added from none. A listener added inside that window would leave the
// kernel to die on the next stop button press.
//
// Once installed, the listener stays until no call has been pending for LINGER_MS: adding and
// removing a signal listener costs ~6 us (a libuv signal handle each time), more than the
// system call, and a receive loop that keeps up with its sender waits before nearly every
// datagram. A SIGINT that finds no pending call meanwhile does what Node's default does: the
// listener goes and the signal is raised again (the script dies by SIGINT).

// Inside the project's kernels no listener is added at all: a signal cannot say which cell it
// was meant for, and one that arrives late would end the next cell's calls. The kernel
// (src/host/tslab-preload.ts) puts an interrupt hub on globalThis before any cell runs; this
// module registers interruptPending() there, and the kernel calls it for the cell that was
// running when the stop button was pressed, never for a later one.

export interface Interruptible {
  interrupt(): void;
}

/** The hub's key; the kernel's preload spells the same Symbol.for name (it cannot import this package). */
export const INTERRUPT_HUB = Symbol.for("@sockets-typescript/socket:interrupt-hub");

/** What a host program that delivers interrupts itself puts on globalThis[INTERRUPT_HUB]. */
export interface InterruptHub {
  /** Each returns how many pending calls it interrupted. */
  interrupters: Set<() => number>;
  /**
   * Set by the kernel from a stop until the next cell starts: a call that begins to wait
   * meanwhile belongs to the stopped cell (e.g. it was between its first attempt and its wait
   * when the stop came) and is interrupted at once, so it can never take a later datagram.
   */
  latched?: boolean;
}

const pending = new Set<Interruptible>();
let installed = false;
let scheduled = false;
const LINGER_MS = 50;
/** performance.now() when the last pending call ended; the linger timer checks it. */
let idleSince = 0;
let lingering: NodeJS.Timeout | undefined;

const hub = (globalThis as { [INTERRUPT_HUB]?: InterruptHub })[INTERRUPT_HUB];

/**
 * Interrupts every pending call now, synchronously: each ends with KeyboardInterrupt and stops
 * waiting for its descriptor, so none can take a datagram that arrives later. Returns how many.
 */
export function interruptPending(): number {
  const calls = [...pending];
  for (const call of calls) call.interrupt();
  return calls.length;
}

hub?.interrupters.add(interruptPending);

function onSigint(): void {
  const calls = [...pending];
  for (const call of calls) call.interrupt();
  // Interrupted, or nothing was pending (a lingering listener): stop listening now, so that
  // the next Ctrl-C meets Node's default; with nothing pending, that default applies at once.
  if (pending.size === 0) uninstall();
  if (calls.length === 0 && process.listenerCount("SIGINT") === 0) process.kill(process.pid, "SIGINT");
}

function uninstall(): void {
  if (lingering !== undefined) clearTimeout(lingering);
  lingering = undefined;
  if (installed) {
    process.removeListener("SIGINT", onSigint);
    installed = false;
  }
}

function checkIdle(): void {
  lingering = undefined;
  if (pending.size > 0 || !installed) return;
  const left = idleSince + LINGER_MS - performance.now();
  if (left <= 0) uninstall();
  else (lingering = setTimeout(checkIdle, left)).unref();
}

function install(): void {
  scheduled = false;
  if (pending.size > 0 && !installed) {
    process.on("SIGINT", onSigint);
    installed = true;
  }
}

/** Registers a pending call; the returned function unregisters it. */
export function whilePending(call: Interruptible): () => void {
  pending.add(call);
  if (hub !== undefined) {
    // A microtask: the caller registers its waiter after this returns.
    if (hub.latched) queueMicrotask(() => pending.has(call) && call.interrupt());
  } else if (!installed && !scheduled) {
    scheduled = true;
    setImmediate(install);
  }
  return () => {
    if (pending.delete(call) && pending.size === 0 && installed) {
      idleSince = performance.now();
      if (lingering === undefined) (lingering = setTimeout(checkIdle, LINGER_MS)).unref();
    }
  };
}

/** How many calls are waiting (for tests and diagnostics). */
export function pendingCount(): number {
  return pending.size;
}

/** Whether this module currently listens for SIGINT (only while calls are pending). */
export function listeningForSigint(): boolean {
  return process.listeners("SIGINT").includes(onSigint);
}
