// SIGINT (the notebook's stop button, Ctrl-C) ends every pending call with KeyboardInterrupt.
// The listener is installed only while some call is pending: an idle script still dies on
// Ctrl-C as Node's default, and tslab's own SIGINT handling is left alone.
//
// The listener is added one macrotask after the call starts, never synchronously: tslab runs
// a cell's synchronous part under vm's breakOnSigint, which removes all SIGINT listeners and,
// when the part ends, leaves the process-killing default handler in place unless the
// listeners are re-added from none. A listener added inside that window would leave the
// kernel to die on the next stop button press.

export interface Interruptible {
  interrupt(): void;
}

const pending = new Set<Interruptible>();
let installed = false;
let scheduled = false;

function onSigint(): void {
  for (const call of [...pending]) call.interrupt();
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
  if (!installed && !scheduled) {
    scheduled = true;
    setImmediate(install);
  }
  return () => {
    if (pending.delete(call) && pending.size === 0 && installed) {
      process.removeListener("SIGINT", onSigint);
      installed = false;
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
