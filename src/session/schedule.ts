// The order in which the runner executes a notebook pair: each notebook's setup cells,
// then the walkthrough steps in order, interleaved across the hosts as a student would.
import type { HostNotebook, NotebookCell } from "./notebook";

/** "U3" -> 3, "T10" -> 10: steps are ordered by number within a part. */
function stepNumber(step: string): number {
  return Number(step.slice(1));
}

/** All cells of both notebooks in execution order: setup first (juliet, romeo), then by step; within a step juliet before romeo. */
export function schedule(notebooks: readonly HostNotebook[]): NotebookCell[] {
  const ordered = [...notebooks].sort((a, b) => (a.host === "juliet" ? -1 : b.host === "juliet" ? 1 : 0));
  const setup = ordered.flatMap((nb) => nb.cells.filter((cell) => cell.step === "setup"));
  const steps = ordered.flatMap((nb, hostRank) =>
    nb.cells.filter((cell) => cell.step !== "setup").map((cell, order) => ({ cell, hostRank, order })),
  );
  steps.sort((a, b) => stepNumber(a.cell.step) - stepNumber(b.cell.step) || a.hostRank - b.hostRank || a.order - b.order);
  return [...setup, ...steps.map((entry) => entry.cell)];
}
