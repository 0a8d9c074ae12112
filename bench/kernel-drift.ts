// Does a kernel slow down as a notebook grows (issue 20)? 505 small cells through one host
// kernel (ts-juliet, through Jupyter, the launcher and host-kernel's relays), each declaring a
// variable as a notebook's cells do (tslab carries every earlier cell's declarations into each
// compile): the median of cells 5-15 against cells 495-505, target <= 1.2x. With the trace
// (src/host/trace.ts) the same two windows' compile + type check, to say where a drift comes from.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelManager, type KernelMessage } from "@jupyterlab/services";
import { Lab } from "../src/lab/lab";
import { notebooksDir } from "../src/common/paths";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import { untilHostsIdle } from "../src/session/lab-session";
import { TRACE_ENV } from "../src/host/trace";
import { CELL_MS, KERNEL_START_MS, SHUTDOWN_MS, deadline } from "./deadlines";
import { runStandalone } from "./standalone";
import { cellParts, median, readTrace } from "./trace-stages";

export const DRIFT_TARGET = 1.2;

export interface KernelDrift {
  cells: number;
  earlyMs: number;
  lateMs: number;
  ratio: number;
  earlyCompileMs: number;
  lateCompileMs: number;
}

/** The n-th cell (1-based): a declaration and an expression, like a notebook's small cells. */
export const driftCell = (n: number): string => `const value${n} = ${n} * 2;\nvalue${n} + 1`;

/** Cells `from`..`to` (1-based, inclusive) of `values`. */
const window = (values: readonly number[], from: number, to: number) => values.slice(from - 1, to);

/** The report's lines. */
export function driftLines(d: KernelDrift): string[] {
  const verdict = d.ratio <= DRIFT_TARGET ? "OK" : "BELOW";
  return [
    `kernel drift (one ts-juliet kernel, ${d.cells} cells, each declaring a variable)`,
    `  cells 5-15 p50 ${d.earlyMs.toFixed(1)} ms, cells ${d.cells - 10}-${d.cells} p50 ${d.lateMs.toFixed(1)} ms: ${d.ratio.toFixed(2)}x, target <= ${DRIFT_TARGET}x: ${verdict}`,
    `  of which tslab's compile + type check: ${d.earlyCompileMs.toFixed(1)} ms -> ${d.lateCompileMs.toFixed(1)} ms`,
  ];
}

export async function measureKernelDrift(log: (line: string) => void = console.log, signal?: AbortSignal, options: { cells?: number; prefix?: string } = {}): Promise<KernelDrift> {
  const count = options.cells ?? 505;
  const lab = new Lab({ prefix: options.prefix ?? "bd-" });
  const scratch = mkdtempSync(join(tmpdir(), "sockets-drift-"));
  const traceFile = join(scratch, "trace.jsonl");
  writeFileSync(traceFile, "");
  let server: JupyterServer | undefined;
  let kernels: KernelManager | undefined;
  const debug = console.debug;
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  const before = process.env[TRACE_ENV];
  const times: number[] = [];
  try {
    await lab.up(undefined, signal);
    process.env[TRACE_ENV] = traceFile; // handed on by the server to the kernel's chain
    try {
      server = await startJupyter({ notebookDir: notebooksDir, lab });
    } finally {
      if (before === undefined) delete process.env[TRACE_ENV];
      else process.env[TRACE_ENV] = before;
    }
    if (signal?.aborted) throw new Error("interrupted while the Jupyter server started");
    kernels = new KernelManager({ serverSettings: server.settings });
    const kernel = await deadline(kernels.startNew({ name: "ts-juliet" }), KERNEL_START_MS, "the Jupyter server to start kernel ts-juliet", signal);
    await deadline(kernel.info, KERNEL_START_MS, "kernel ts-juliet to answer kernel_info", signal);
    for (let n = 1; n <= count; n++) {
      const t0 = performance.now();
      const reply = (await deadline(kernel.requestExecute({ code: driftCell(n) }).done, CELL_MS, `kernel ts-juliet to run cell ${n}`, signal)) as KernelMessage.IExecuteReplyMsg;
      times.push(performance.now() - t0);
      if (reply.content.status !== "ok") throw new Error(`cell ${n} failed (${reply.content.status})`);
    }
    await deadline(kernel.shutdown(), SHUTDOWN_MS, "kernel ts-juliet to shut down", signal);
  } finally {
    console.debug = debug;
    kernels?.dispose();
    await server?.stop();
    await untilHostsIdle(lab).catch(() => undefined);
    await lab.down();
  }
  const compile = cellParts(readTrace(traceFile)).map((p) => p.compileMs);
  rmSync(scratch, { recursive: true, force: true });
  const early = Math.min(5, count);
  const result: KernelDrift = {
    cells: count,
    earlyMs: median(window(times, early, Math.min(15, count))),
    lateMs: median(window(times, Math.max(1, count - 10), count)),
    ratio: 0,
    earlyCompileMs: median(window(compile, early, Math.min(15, count))),
    lateCompileMs: median(window(compile, Math.max(1, count - 10), count)),
  };
  result.ratio = result.lateMs / result.earlyMs;
  for (const line of driftLines(result)) log(line);
  return result;
}

if (require.main === module) runStandalone("kernel drift", (signal) => measureKernelDrift(console.log, signal, { prefix: process.env.SOCKETS_LAB_PREFIX, cells: process.env.DRIFT_CELLS ? Number(process.env.DRIFT_CELLS) : undefined }));
