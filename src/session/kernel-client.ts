// Runs one cell at a time on a host's kernel through @jupyterlab/services, and copes with
// tslab's habits: an error is stderr text with reply status "error" (no ename/evalue), and
// tslab aborts any request that arrives within 200 ms after an error.
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import type { HostName } from "@sockets-typescript/topology";

export type CellStatus = "ok" | "error" | "timeout";

export interface CellRun {
  status: CellStatus;
  stdout: string;
  /** The cell's rich outputs (views) by their text/plain fallback, in order; also in stdout. */
  views?: string[];
  stderr: string;
  /** Wall time from request to reply, milliseconds. */
  ms: number;
  /** What the notebook would show under the cell, as nbformat 4 outputs (display bundles kept whole); absent in transcripts made without a kernel. */
  outputs?: NotebookOutput[];
}

/** One nbformat 4 output: stream text, a display bundle (all its MIME types), or an error. */
export type NotebookOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; data: Record<string, unknown>; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

/** tslab resets its queue 200 ms after an error (the timer starts before the reply is sent): wait that long, and send again once if still aborted. */
const AFTER_ERROR_MS = 205;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What is kept of one cell's output: a cell that prints 100 MB (a flood, by mistake or on purpose)
 * must not take the runner's memory or the report with it. The rest is counted and said.
 */
export const MAX_CELL_OUTPUT_CHARS = 1_000_000;
const MAX_CELL_OUTPUTS = 2_000;

/** How often a timed-out cell is interrupted again until it ends. */
const INTERRUPT_EVERY_MS = 500;

export class KernelClient {
  private lastErrorAt = -Infinity;
  /** Why later cells are not run: a cell did not end even after an interrupt, or the kernel died. */
  private stuck: string | null = null;

  constructor(readonly host: HostName, readonly kernel: Kernel.IKernelConnection) {}

  /**
   * Executes `code`; interrupts the kernel (SIGINT) if it takes longer than `timeoutMs`.
   * `interruptAfterMs`: press stop this long after sending the cell (a cell that waits on purpose
   * until the student stops it); the cell then ends with the interrupt as its error.
   */
  async run(code: string, timeoutMs: number, options: { interruptAfterMs?: number } = {}): Promise<CellRun> {
    if (this.stuck) return { status: "error", stdout: "", stderr: `(runner: not run, ${this.stuck})\n`, ms: 0, outputs: [] };
    for (let attempt = 1; ; attempt++) {
      // Never negative: Node 22+ warns (TimeoutNegativeWarning) on a negative timer, e.g. -Infinity before any error.
      await sleep(Math.max(0, this.lastErrorAt + AFTER_ERROR_MS - Date.now()));
      const { reply, run } = await this.execute(code, timeoutMs, options.interruptAfterMs);
      // "abort" means tslab dropped the request because of an earlier error: send it again once.
      if (reply === "abort" && attempt === 1) {
        this.lastErrorAt = Date.now();
        continue;
      }
      if (run.status !== "ok") this.lastErrorAt = Date.now();
      return run;
    }
  }

  private async execute(code: string, timeoutMs: number, interruptAfterMs?: number): Promise<{ reply: string; run: CellRun }> {
    const started = Date.now();
    let stdout = "";
    const views: string[] = [];
    let stderr = "";
    const outputs: NotebookOutput[] = [];
    const future = this.kernel.requestExecute({ code, stop_on_error: false, allow_stdin: false, silent: false, store_history: true });
    let kept = 0;
    let dropped = 0;
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      const content = msg.content as Record<string, any>;
      if (msg.header.msg_type === "stream" || msg.header.msg_type === "display_data" || msg.header.msg_type === "execute_result") {
        const size = msg.header.msg_type === "stream" ? String(content.text ?? "").length : JSON.stringify(content.data ?? {}).length;
        if (kept + size > MAX_CELL_OUTPUT_CHARS || outputs.length >= MAX_CELL_OUTPUTS) {
          // Stream text is kept up to the limit; a display bundle whole or not at all.
          const room = msg.header.msg_type === "stream" && outputs.length < MAX_CELL_OUTPUTS ? Math.max(0, MAX_CELL_OUTPUT_CHARS - kept) : 0;
          dropped += size - room;
          if (room === 0) return;
          content.text = String(content.text).slice(0, room);
        }
        kept += Math.min(size, MAX_CELL_OUTPUT_CHARS - kept);
      }
      switch (msg.header.msg_type) {
        case "stream":
          if (content.name === "stderr") stderr += content.text;
          else stdout += content.text;
          outputs.push({ output_type: "stream", name: content.name === "stderr" ? "stderr" : "stdout", text: content.text });
          break;
        case "execute_result":
        case "display_data":
          stdout += `${content.data?.["text/plain"] ?? ""}\n`;
          outputs.push(msg.header.msg_type === "display_data"
            ? { output_type: "display_data", data: content.data ?? {}, metadata: content.metadata ?? {} }
            : { output_type: "execute_result", data: content.data ?? {}, metadata: content.metadata ?? {}, execution_count: content.execution_count ?? null });
          if (msg.header.msg_type === "display_data" && Object.keys(content.data ?? {}).some((type) => type !== "text/plain")) views.push(content.data?.["text/plain"] ?? "");
          break;
        case "error":
          stderr += `${content.ename}: ${content.evalue}\n`;
          outputs.push({ output_type: "error", ename: String(content.ename), evalue: String(content.evalue), traceback: content.traceback ?? [] });
          break;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    // The kernel process died (the connection cancels the request): Jupyter restarts it empty.
    const died = future.done.then(
      (reply) => reply,
      (err: Error) => ({ died: err.message }),
    );
    // The stop button: pressed once the cell waits, and again every 500 ms (a press that lands while
    // tslab still compiles the cell is lost, as for a person) until the cell ends.
    let pressing: NodeJS.Timeout | undefined;
    let pressTimer: NodeJS.Timeout | undefined;
    if (interruptAfterMs !== undefined) {
      pressTimer = setTimeout(() => {
        const press = () => void this.kernel.interrupt().catch(() => undefined);
        press();
        pressing = setInterval(press, INTERRUPT_EVERY_MS);
      }, interruptAfterMs);
      void died.finally(() => {
        clearTimeout(pressTimer);
        clearInterval(pressing);
      });
    }
    const floodNote = () => {
      if (dropped === 0) return;
      const note = `(runner: this cell printed ${dropped} more characters after its first ${kept}; they were not kept)\n`;
      stderr += note;
      outputs.push({ output_type: "stream", name: "stderr", text: note });
      dropped = 0;
    };
    try {
      const first = await Promise.race([died, timedOut]);
      if (typeof first === "object" && "died" in first) {
        this.stuck = "the kernel died at an earlier cell";
        stderr += `(runner: the kernel died during this cell: ${first.died})\n`;
        floodNote();
        return { reply: "error", run: { status: "error", stdout, stderr, views, ms: Date.now() - started, outputs } };
      }
      if (first === "timeout") {
        // One interrupt ends the cell (the kernels keep a stop that lands during the compile); again every
        // 500 ms for a cell that catches KeyboardInterrupt and waits on (5 s at most). Each interrupt
        // request has a deadline: a server that does not answer does not hold the runner.
        let ended = false;
        for (let waited = 0; !ended && waited < 5000; waited += INTERRUPT_EVERY_MS) {
          await Promise.race([this.kernel.interrupt().catch(() => undefined), sleep(INTERRUPT_EVERY_MS)]);
          ended = await Promise.race([died.then(() => true), sleep(INTERRUPT_EVERY_MS).then(() => false)]);
        }
        if (!ended) this.stuck = "the kernel is still busy with an earlier cell";
        stderr += `(runner: no reply within ${timeoutMs / 1000} s; interrupted the kernel${ended ? "" : ", which did not stop"})\n`;
        floodNote();
        return { reply: "timeout", run: { status: "timeout", stdout, stderr, views, ms: Date.now() - started, outputs } };
      }
      const reply = (first as KernelMessage.IExecuteReplyMsg).content.status;
      const status: CellStatus = reply === "ok" ? "ok" : "error";
      floodNote();
      return { reply, run: { status, stdout, stderr, views, ms: Date.now() - started, outputs } };
    } finally {
      clearTimeout(timer);
      clearTimeout(pressTimer);
      clearInterval(pressing);
      future.dispose();
    }
  }
}
