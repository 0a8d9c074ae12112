// impairLink / clearLink: a notebook cell makes this host's LAN lossy or slow, and undoes it.
//   await impairLink({ loss: 0.2, delayMs: 50 })   // this host's way out; run it on both hosts for both ways
//   await clearLink()
// The work is @sockets-typescript/impair's (netem where the kernel has it, else its userspace
// stage); here only the words a cell shows: what is in force, by which mechanism, what this
// machine supports, and a bad argument as one Python-like line.
import { ImpairError, clearThisHost, impairThisHost, support, thisHostImpairment, type Impairment } from "@sockets-typescript/impair";
import { NotebookError, ValueError } from "./errors";

/** The link could not be changed (a tool failed, no mechanism here, no sudo): Python's OSError. */
export class LinkError extends NotebookError {
  constructor(message: string) {
    super("ERR_NOTEBOOK_LINK", "OSError", message);
  }
}

function asNotebookError(err: unknown): never {
  if (err instanceof ImpairError) throw err.code === "ERR_IMPAIR_USAGE" ? new ValueError(err.message) : new LinkError(err.message);
  throw err;
}

/** Impairs this host's LAN interface on its way out; prints what is now in force and returns it. */
export async function impairLink(spec: Impairment): Promise<string> {
  const result = await impairThisHost(spec).catch(asNotebookError);
  const s = support();
  const features = Object.entries(s.features).filter(([, yes]) => yes).map(([name]) => name).join(", ");
  console.log(`${result.summary}\nthis machine: ${result.mechanism === "netem" ? "the kernel's netem" : "a userspace stage (no netem here)"}; supports ${features}`);
  return result.summary;
}

/** Removes this host's impairment (nothing happens when there is none). */
export async function clearLink(): Promise<void> {
  await clearThisHost().catch(asNotebookError);
  console.log("no impairment on this host");
}

/** What is in force on this host, as one line. */
export async function linkState(): Promise<string> {
  return thisHostImpairment().catch(asNotebookError);
}
