// Executes a scheduled notebook pair on the two hosts' kernels and records the transcript.
// A cell tagged waits-for-peer is started and left running while the next steps (on the other
// host) go on, as a student would switch notebooks while a receive waits. The two setup cells
// (imports, compiled by tslab: the slowest cells) run at the same time on their two kernels.
import type { HostName } from "@sockets-typescript/topology";
import type { KernelClient } from "../session/kernel-client";
import type { NotebookCell } from "../session/notebook";
import { cellRecorder, type RecordOptions, type TranscriptEntry } from "../session/cell-recorder";
import { answerPrediction, scriptedAnswers } from "./predictions";

export type { TranscriptEntry };

export interface RunOptions extends Omit<RecordOptions, "codeOf"> {
  /** Answers for prediction cells by step (default: the answer key in predictions.ts). */
  answers?: Readonly<Record<string, string>>;
}

export async function runPair(cells: readonly NotebookCell[], kernels: Record<HostName, KernelClient>, options: RunOptions): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  const running = new Map<HostName, Promise<void>>();
  const answers = options.answers ?? scriptedAnswers;
  // A prediction is typed in as a student would; without an answer for the step the "?" stays (and the judging cell says so).
  const codeOf = (cell: NotebookCell) => (cell.predict && answers[cell.step] !== undefined ? answerPrediction(cell.code, answers[cell.step], cell.step) : cell.code);
  const runCell = cellRecorder(cells, kernels, { ...options, codeOf }, entries);
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
