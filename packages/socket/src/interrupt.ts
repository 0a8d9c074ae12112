// SIGINT (the notebook's stop button, Ctrl-C) ends every pending call with KeyboardInterrupt.
// The listener is installed only while some call is pending: an idle script still dies on
// Ctrl-C as Node's default, and tslab's own SIGINT handling is left alone.

export interface Interruptible {
  interrupt(): void;
}

const pending = new Set<Interruptible>();

function onSigint(): void {
  for (const call of [...pending]) call.interrupt();
}

/** Registers a pending call; the returned function unregisters it. */
export function whilePending(call: Interruptible): () => void {
  pending.add(call);
  if (pending.size === 1) process.on("SIGINT", onSigint);
  return () => {
    if (pending.delete(call) && pending.size === 0) process.removeListener("SIGINT", onSigint);
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
