// Executes a scheduled notebook pair on the two hosts' kernels and records the transcript.
// A cell tagged waits-for-peer is started and left running while the next steps (on the other
// host) go on, as a student would switch notebooks while a receive waits. The two setup cells
// (imports, compiled by tslab: the slowest cells) run at the same time on their two kernels.
import type { HostName } from "@sockets-typescript/topology";
import type { CellRun, KernelClient } from "./kernel-client";
import type { NotebookCell } from "./notebook";
import { answerPrediction, scriptedAnswers } from "./predictions";

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

export interface RunOptions {
  timeoutMs: number;
  /** Answers for prediction cells by step (default: the answer key in predictions.ts). */
  answers?: Readonly<Record<string, string>>;
  /** A `stop-button` cell is interrupted this long after it starts, again every 500 ms until it ends (default 1500). */
  stopAfterMs?: number;
  /** Called as each cell finishes, e.g. to print progress. */
  onCell?: (entry: TranscriptEntry, total: number) => void;
}

/** Runs one cell on its host's kernel and records it in `entries` (shared by the walkthrough and the checker). */
export function cellRecorder(cells: readonly NotebookCell[], kernels: Record<HostName, KernelClient>, options: RunOptions, entries: TranscriptEntry[]) {
  return async (cell: NotebookCell, index: number): Promise<void> => {
    const answers = options.answers ?? scriptedAnswers;
    // A prediction is typed in as a student would; without an answer for the step the "?" stays (and the judging cell says so).
    const code = cell.predict && answers[cell.step] !== undefined ? answerPrediction(cell.code, answers[cell.step], cell.step) : cell.code;
    const run = await kernels[cell.host].run(code, options.timeoutMs, cell.stopButton ? { interruptAfterMs: options.stopAfterMs ?? 1500 } : {});
    const entry: TranscriptEntry = { index, host: cell.host, step: cell.step, position: cell.position, code, raisesException: cell.raisesException, waitsForPeer: cell.waitsForPeer, predict: cell.predict, stopButton: cell.stopButton, ...run };
    entries.push(entry);
    options.onCell?.(entry, cells.length);
  };
}

export async function runPair(cells: readonly NotebookCell[], kernels: Record<HostName, KernelClient>, options: RunOptions): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  const running = new Map<HostName, Promise<void>>();
  const runCell = cellRecorder(cells, kernels, options, entries);
  for (const [i, cell] of cells.entries()) {
    await running.get(cell.host); // one cell at a time per kernel
    running.delete(cell.host);
    const done = runCell(cell, i + 1);
    if (cell.waitsForPeer || cell.step === "setup") running.set(cell.host, done);
    else await done;
  }
  await Promise.all(running.values());
  return entries.sort((a, b) => a.index - b.index);
}
