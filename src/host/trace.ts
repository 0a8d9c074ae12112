// Timing lines for the kernel-start and cell profile (bench/profile.ts): written only when the
// environment names a file (SOCKETS_TRACE_FILE), which the Jupyter server passes on to the
// launcher, `ip netns exec` to host-kernel and host-kernel to tslab, so one file collects the
// whole chain. Each line is one JSON object {t, pid, who, event, ...}: t in ms since the epoch
// (performance.timeOrigin + performance.now(): every process on the machine reads the same
// clock, with sub-ms resolution), so the stages of different processes can be subtracted.
// Off (the normal case) it costs one property check per point; nothing here may throw into a kernel.
import { appendFileSync } from "node:fs";
import { hostname } from "node:os";

export const TRACE_ENV = "SOCKETS_TRACE_FILE";

const file = process.env[TRACE_ENV];
export const tracing = file !== undefined && file !== "";

/** Now, in ms since the epoch, on the clock all the traced processes share. */
export function traceNow(): number {
  return performance.timeOrigin + performance.now();
}

/** One line: `who` is the process's part (launcher, host-kernel, tslab), `event` what just happened. */
export function trace(who: string, event: string, extra: Record<string, unknown> = {}, t = traceNow()): void {
  if (!tracing) return;
  try {
    // One short write with O_APPEND: lines of the processes never interleave.
    appendFileSync(file!, `${JSON.stringify({ t, pid: process.pid, who, event, ...extra })}\n`);
  } catch {
    // a profile line lost, never a kernel
  }
}

/** The process's own start (performance.timeOrigin: when Node began) and the moment its code runs. */
export function traceProcessStart(who: string): void {
  if (!tracing) return;
  trace(who, "process-start", { host: hostname() }, performance.timeOrigin);
  trace(who, "code-start");
}
