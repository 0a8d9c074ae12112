// One cell run on its host's kernel and recorded: the transcript entry both the walkthrough
// runner and the exercise grader keep of every cell (what ran where, in which step, what it printed).
import type { HostName } from "@sockets-typescript/topology";
import type { CellRun, KernelClient } from "./kernel-client";
import type { NotebookCell } from "./notebook";

export interface TranscriptEntry extends CellRun {
  /** 1-based position in the run. */
  index: number;
  host: HostName;
  step: string;
  /** Cell number in its notebook. */
  position: number;
  code: string;
  raisesException: boolean;
  /** Ran on while the other host's steps went on (it printed when it finished, maybe after later cells). */
  waitsForPeer: boolean;
  /** A prediction cell, run with the scripted answer (`code` shows it). */
  predict?: boolean;
  /** Interrupted by the runner as a student presses stop. */
  stopButton?: boolean;
}

export interface RecordOptions {
  timeoutMs: number;
  /** A `stop-button` cell is interrupted this long after it starts, again every 500 ms until it ends (default 1500). */
  stopAfterMs?: number;
  /** Called as each cell finishes, e.g. to print progress. */
  onCell?: (entry: TranscriptEntry, total: number) => void;
  /** The code actually run for a cell (the walkthrough types a prediction's answer in); default the cell's own. */
  codeOf?: (cell: NotebookCell) => string;
}

/** Runs one cell on its host's kernel and records it in `entries`. */
export function cellRecorder(cells: readonly NotebookCell[], kernels: Record<HostName, KernelClient>, options: RecordOptions, entries: TranscriptEntry[]) {
  return async (cell: NotebookCell, index: number): Promise<void> => {
    const code = options.codeOf ? options.codeOf(cell) : cell.code;
    const run = await kernels[cell.host].run(code, options.timeoutMs, cell.stopButton ? { interruptAfterMs: options.stopAfterMs ?? 1500 } : {});
    const entry: TranscriptEntry = { index, host: cell.host, step: cell.step, position: cell.position, code, raisesException: cell.raisesException, waitsForPeer: cell.waitsForPeer, predict: cell.predict, stopButton: cell.stopButton, ...run };
    entries.push(entry);
    options.onCell?.(entry, cells.length);
  };
}
