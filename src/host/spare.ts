// The spare kernel: a host-kernel started ahead of time on a host (`host-kernel.js --spare DIR
// --owner PID`) whose tslab has already done its slow start (TypeScript, tslab's converter, a
// warm-up compile: ~2-3 s of a cold start's ~3 s) and waits, before binding anything, for a
// launcher to hand it Jupyter's connection info. Why: a kernel start and, above all, a restart
// (Jupyter kills the old launcher and runs a new one at once) then cost a handover, not a tslab start.
//
// One spare at a time per (host namespace, owner, working folder):
//  - the owner is the Jupyter server (the launcher's parent; jupyter_client's process when it
//    runs kernels itself): an unused spare ends when its owner is gone, so nothing is left when the
//    server stops; a spare is never handed to another server's kernel;
//  - the working folder is the kernel's (Jupyter starts it in the notebook's folder): tslab roots
//    its type checks and its `require` there at its start, so only a spare started in the same
//    folder can be handed over.
// The spare waits in a folder with a fixed name, DIR = spareDir(...), mode 0700: DIR/claim.sock
// takes the claim, DIR/pid names the spare. The claim renames DIR to a kernel folder of its own
// (what the relay folder is on the cold path): from then on the fixed name is free for the next
// spare, which the claimed one starts at once, and no second launcher can reach the claimed one.
//
// The claim connection carries JSON lines (frames) both ways, the host-kernel protocol's content
// in another form (stdin and stderr are the cold path's; here both ends already run):
//   launcher -> spare:  {"connection": <info>, "env": {...}}   then {"interrupt": true} per press;
//                       the connection's end = stop (as stdin's close)
//   spare -> launcher:  {"relayDir": DIR'}   first, then {"stderr": text} / {"stdout": text} (tslab's
//                       output and host-kernel's lines: the started marker) and last {"exit": code}
import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** host-kernel's option for a spare: the folder it waits in (spareDir). */
export const SPARE_OPTION = "--spare";
/** The spare's owner: it ends, unused, when this pid is gone. */
export const OWNER_OPTION = "--owner";
/** The environment variable that tells tslab's preload to wait for the connection info (host-kernel sets it). */
export const SPARE_ENV = "SOCKETS_KERNEL_SPARE";
/** "0": no spares (the launchers start every kernel cold; server.ts starts none). */
export const SPARES_ENV = "SOCKETS_KERNEL_SPARES";
/** The claim socket in a spare's folder. */
export const CLAIM_SOCKET = "claim.sock";
/** The spare's pid, in its folder: a folder whose process is gone is stale. */
export const PID_FILE = "pid";

/** The prefix of the spares' folders in /tmp (test/support/leftovers counts /tmp/lab-kernel-*). */
const SPARE_PREFIX = "lab-kernel-spare-";

/** Where the spare for (a host's namespace, an owner pid, a working folder) waits. */
export function spareDir(namespace: string, owner: number, cwd: string): string {
  const folder = createHash("sha256").update(cwd).digest("hex").slice(0, 12);
  return join(tmpdir(), `${SPARE_PREFIX}${namespace}-${owner}-${folder}`);
}

/** Whether spareDir's folder is one a spare of ours made: a folder, ours, closed to others (0700). */
export function isOurSpareDir(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The spares' folders of an owner (a server stopping ends them). */
export function isSpareOf(name: string, owner: number): boolean {
  return name.startsWith(SPARE_PREFIX) && new RegExp(`-${owner}-[0-9a-f]{12}$`).test(name);
}

/** What the frames hold. */
export interface ClaimFrame {
  connection?: unknown;
  env?: Record<string, string>;
  interrupt?: true;
}
export interface SpareFrame {
  relayDir?: string;
  stderr?: string;
  stdout?: string;
  exit?: number;
}

export function frame(value: ClaimFrame | SpareFrame): string {
  return `${JSON.stringify(value)}\n`;
}

/** A frame read back; null for a line that is not one (ignored). */
export function parseFrame<T extends object>(line: string): T | null {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as T) : null;
  } catch {
    return null;
  }
}
