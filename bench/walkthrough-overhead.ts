// The headless walkthrough's overhead (issue 20): both parts (UDP, then TCP, the next pair of
// kernels starting while a part runs, as `npm run walkthrough` does) against what the notebooks
// themselves ask for: one kernel start plus the cells' own time. A cell's own time is its run
// in the kernel after tslab's compile (its work and its waits: timeouts, the stop button's
// 1.5 s, a peer's data), read from the kernels' trace lines (src/host/trace.ts); a waits-for-peer
// cell is left out (it waits on the other host's cells, which are counted). Target <= 1.5x.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { runWalkthrough, type WalkthroughResult } from "../src/runner/walkthrough";
import { closeOpenSessions } from "../src/session/lab-session";
import { TRACE_ENV } from "../src/host/trace";
import { runStandalone } from "./standalone";
import { cellParts, readTrace, type TraceLine } from "./trace-stages";

export const WALKTHROUGH_TARGET = 1.5;

export interface WalkthroughOverhead {
  cells: number;
  /** The first pair's start + every part's cells (first sent -> last reply). */
  runMs: number;
  /** The whole run: lab, server, kernels, cells, shutdown. */
  wallMs: number;
  kernelStartMs: number;
  ownMs: number;
  compileMs: number;
  ratio: number;
  passed: boolean;
  /** Cells whose trace lines could not be matched (then the ratio is not measured). */
  unmatched: number;
}

/**
 * Each part's cells matched to their kernel's trace: per host, the kernels (tslab pids) in the
 * order their first cell ran, one per part; a kernel's executions in order = its host's cells in
 * run order. Returns the own and compile ms of the cells that do not wait for the peer.
 */
export function ownTimes(result: Pick<WalkthroughResult, "parts">, lines: readonly TraceLine[]): { ownMs: number; compileMs: number; unmatched: number } {
  const hostOf = new Map<number, string>();
  for (const l of lines) if (l.who === "tslab" && l.event === "process-start") hostOf.set(l.pid, String(l.host));
  const firstExec = new Map<number, number>();
  for (const l of lines) if (l.who === "tslab" && l.event === "exec-start" && !firstExec.has(l.pid)) firstExec.set(l.pid, l.t);
  let ownMs = 0;
  let compileMs = 0;
  let unmatched = 0;
  for (const host of ["juliet", "romeo"] as HostName[]) {
    const pids = [...firstExec.keys()].filter((pid) => hostOf.get(pid) === host).sort((a, b) => firstExec.get(a)! - firstExec.get(b)!);
    result.parts.forEach((part, i) => {
      const entries = part.entries.filter((e) => e.host === host).sort((a, b) => a.index - b.index);
      const parts = pids[i] === undefined ? [] : cellParts(lines, pids[i]);
      if (parts.length !== entries.length) {
        unmatched += entries.length;
        return;
      }
      entries.forEach((entry, j) => {
        compileMs += parts[j].compileMs;
        if (!entry.waitsForPeer) ownMs += parts[j].runMs;
      });
    });
  }
  return { ownMs, compileMs, unmatched };
}

export function overheadLines(o: WalkthroughOverhead): string[] {
  const verdict = o.unmatched > 0 ? "not measured" : o.ratio <= WALKTHROUGH_TARGET ? "OK" : "BELOW";
  return [
    `walkthrough overhead (UDP + TCP, ${o.cells} cells, headless${o.passed ? "" : ", a step DEVIATED"})`,
    `  first kernel pair start + cells ${(o.runMs / 1000).toFixed(1)} s vs one kernel start + the cells' own time ${((o.kernelStartMs + o.ownMs) / 1000).toFixed(1)} s (${(o.kernelStartMs / 1000).toFixed(1)} + ${(o.ownMs / 1000).toFixed(1)}): ${o.ratio.toFixed(2)}x, target <= ${WALKTHROUGH_TARGET}x: ${verdict}`,
    `  tslab's compile + type check of all cells ${(o.compileMs / 1000).toFixed(1)} s; the whole run with lab, server and shutdown ${(o.wallMs / 1000).toFixed(1)} s${o.unmatched > 0 ? `; ${o.unmatched} cells without trace lines` : ""}`,
  ];
}

export async function measureWalkthroughOverhead(log: (line: string) => void = console.log, signal?: AbortSignal, options: { prefix?: string } = {}): Promise<WalkthroughOverhead> {
  const scratch = mkdtempSync(join(tmpdir(), "sockets-walkthrough-"));
  const traceFile = join(scratch, "trace.jsonl");
  writeFileSync(traceFile, "");
  const debug = console.debug;
  console.debug = () => {};
  const before = process.env[TRACE_ENV];
  // The session's server inherits it and hands it to every kernel's chain.
  process.env[TRACE_ENV] = traceFile;
  // Ctrl-C: the session's kernels, server and lab closed now, without waiting for the walkthrough
  // (its cells would each wait for a kernel that is gone); it ends on its own in the background.
  let stop = () => {};
  let closing: Promise<void> | undefined;
  const aborted = new Promise<never>((_, reject) => {
    stop = () => {
      closing = closeOpenSessions();
      void closing.finally(() => reject(new Error("interrupted: the walkthrough's kernels, server and lab closed")));
    };
  });
  aborted.catch(() => undefined);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    if (signal?.aborted) throw new Error("interrupted");
    const running = runWalkthrough({ parts: ["udp", "tcp"], prefix: options.prefix ?? "bw-" });
    running.catch(() => undefined); // after an abort nobody awaits it
    const result = await Promise.race([running, aborted]);
    const { ownMs, compileMs, unmatched } = ownTimes(result, readTrace(traceFile));
    const kernelStartMs = result.parts[0]?.kernelStartMs ?? NaN;
    const runMs = kernelStartMs + result.parts.reduce((sum, p) => sum + p.cellsMs, 0);
    const o: WalkthroughOverhead = {
      cells: result.parts.reduce((sum, p) => sum + p.entries.length, 0),
      runMs, wallMs: result.wallMs, kernelStartMs, ownMs, compileMs,
      ratio: runMs / (kernelStartMs + ownMs), passed: result.passed, unmatched,
    };
    for (const line of overheadLines(o)) log(line);
    return o;
  } finally {
    signal?.removeEventListener("abort", stop);
    // The walkthrough may end while our close runs (its own close then returns at once): wait for ours.
    await closing;
    if (before === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = before;
    console.debug = debug;
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone("walkthrough overhead", (signal) => measureWalkthroughOverhead(console.log, signal, { prefix: process.env.SOCKETS_LAB_PREFIX }));
