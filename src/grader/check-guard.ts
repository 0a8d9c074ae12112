// Leaving the machine as it was, whenever the checker stops (done, failed, Ctrl-C, SIGTERM):
// every thing the check adds registers how to undo it here, at once, and the undo steps run in
// reverse order. A step still being made when the signal arrives (the lab coming up, the Jupyter
// server starting) is waited for and then undone, rather than left half-made. Processes that
// appeared in the lab's hosts during the check are ended even when the lab was up before (a
// student's lab keeps exactly what it had).
import type { HostName } from "@sockets-typescript/topology";
import { hostNames } from "@sockets-typescript/topology";
import type { Lab } from "../lab/lab";
import { thawAll } from "./host-freeze";
import { CheckInterruptedError } from "./check-errors";

type Undo = () => Promise<unknown> | unknown;

export class CheckGuard {
  private readonly undo: { what: string; action: Undo }[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  /** Set once a signal (or close) began: long steps check it and stop early. */
  aborted = false;
  /** Set when a signal (not the normal end) began the undoing. */
  signalled = false;
  /** The labs (prefixes) this guard's check uses: its close continues only their held hosts (other checks may run in parallel). */
  readonly labs = new Set<string>();

  /** Registers how to undo something just made; returns a function that runs (and forgets) that undo now. */
  add(what: string, action: Undo): () => Promise<void> {
    const entry = { what, action };
    this.undo.push(entry);
    return () => {
      const at = this.undo.indexOf(entry);
      if (at < 0) return Promise.resolve();
      this.undo.splice(at, 1);
      // Tracked: a close that begins meanwhile waits for this undo to finish before it ends.
      return this.tracked(Promise.resolve().then(action)).then(() => undefined);
    };
  }

  private tracked<T>(step: Promise<T>): Promise<T> {
    this.pending.add(step);
    const done = () => this.pending.delete(step);
    step.then(done, done);
    return step;
  }

  /** Waits (at most until `deadline`) until no step or undo is under way. */
  private async settle(deadline: number): Promise<void> {
    while (this.pending.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())))]);
    }
  }

  /**
   * Makes something through `step` and registers its undo as soon as it exists. A close that
   * begins while the step is under way waits for it, so what it makes is undone too.
   */
  make<T>(what: string, start: () => Promise<T>, undoOf: (value: T) => Undo): Promise<{ value: T; undo: () => Promise<void> }> {
    // Once undoing began, nothing new is made (it would be made after its undo ran).
    if (this.aborted) return Promise.reject(new CheckInterruptedError(`interrupted before ${what} was set up`));
    return this.tracked(start().then((value) => ({ value, undo: this.add(what, undoOf(value)) })));
  }

  /** Ends, in the hosts, every process not in `before` (processes the check started). */
  static async endNewProcesses(lab: Lab, before: Record<HostName, number[]>): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const extra: number[] = [];
      for (const host of hostNames) {
        if (!lab.hasHost(host)) continue;
        extra.push(...(await lab.pids(host)).filter((pid) => !before[host].includes(pid)));
      }
      if (extra.length === 0) return;
      for (const pid of extra) {
        try {
          process.kill(pid, attempt === 0 ? "SIGTERM" : "SIGKILL");
          process.kill(pid, "SIGCONT");
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 500 : 100));
    }
  }

  /** Undoes everything registered (once; later calls wait for the first). Errors are reported, not thrown. */
  close(report: (line: string) => void = () => {}): Promise<void> {
    this.closing ??= (async () => {
      this.aborted = true;
      const labs = this.labs.size ? this.labs : undefined;
      await thawAll(labs).catch(() => undefined);
      // Steps under way finish first (bounded), so that what they make is undone too.
      await this.settle(Date.now() + 30_000);
      await thawAll(labs).catch(() => undefined);
      for (const entry of this.undo.splice(0).reverse()) {
        try {
          await entry.action();
        } catch (err) {
          report(`could not undo ${entry.what}: ${(err as Error).message}`);
        }
      }
      // Undos the check itself began meanwhile (its own finally blocks) finish too.
      await this.settle(Date.now() + 30_000);
    })();
    return this.closing;
  }
}

/** The guard of the running command: on SIGINT/SIGTERM it undoes everything and exits 130. */
export function closeGuardOnSignals(guard: CheckGuard, say: (line: string) => void = (line) => process.stderr.write(line + "\n")): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return; // a second Ctrl-C while cleaning up: keep cleaning up
    signalled = true;
    guard.signalled = true;
    say(`\n${signal}: stopping the check and undoing what it set up (kernels, server, rules, lab)`);
    guard.close(say).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
