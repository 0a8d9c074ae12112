// Runs a balcony pair's cells on the two hosts the way the checker wants, whatever the cells'
// tags say: every cell is started in step order; one that has not finished after PATIENCE_MS
// (or is tagged waits-for-peer) is left running while the other host goes on, as a student
// switches notebooks when a cell waits. One cell at a time per kernel.
//
// In the "bursts" pass the partner host is held (host-freeze.ts) while a cell runs, for at most
// PATIENCE_MS: a receiver then finds everything its partner's cell sent already waiting, run
// together in its socket buffer, whether or not its receive cell was started early.
import type { HostName } from "@sockets-typescript/topology";
import { partnerOf } from "@sockets-typescript/dialogue";
import type { Lab } from "../lab/lab";
import type { KernelClient } from "../session/kernel-client";
import type { NotebookCell } from "../session/notebook";
import { cellRecorder, type TranscriptEntry } from "../session/cell-recorder";
import { freezeHost, thawHost } from "./host-freeze";

/** How long a cell runs before the checker goes on with the other host. */
export const PATIENCE_MS = 1500;

export interface ExerciseRunOptions {
  timeoutMs: number;
  /** Hold the partner host while each cell runs (TCP: forces lines to arrive run together). */
  bursts?: { lab: Lab };
  onCell?: (entry: TranscriptEntry, total: number) => void;
  /** Stops starting new cells (Ctrl-C). */
  aborted?: () => boolean;
}

const sleep = (ms: number) => new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), ms));

export async function runExercise(cells: readonly NotebookCell[], kernels: Record<HostName, KernelClient>, options: ExerciseRunOptions): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  const running = new Map<HostName, Promise<void>>();
  const runCell = cellRecorder(cells, kernels, options, entries);
  for (const [i, cell] of cells.entries()) {
    if (options.aborted?.()) break;
    await running.get(cell.host); // one cell at a time per kernel
    running.delete(cell.host);
    if (cell.step === "setup") {
      // The setup cells (imports, compiled by tslab: the slowest) run on both kernels at once.
      running.set(cell.host, runCell(cell, i + 1));
      continue;
    }
    const partner = partnerOf(cell.host);
    if (options.bursts) await freezeHost(options.bursts.lab, partner);
    const done = runCell(cell, i + 1);
    try {
      const finished = await Promise.race([done.then(() => "done" as const), sleep(cell.waitsForPeer && !options.bursts ? 0 : PATIENCE_MS)]);
      if (finished !== "done") running.set(cell.host, done);
    } finally {
      if (options.bursts) await thawHost(options.bursts.lab, partner);
    }
  }
  await Promise.all(running.values());
  return entries.sort((a, b) => a.index - b.index);
}
