// Reads a notebook pair's code cells with what the runner needs from each: host, step, tags.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { NotebookError } from "../common/errors";
import { kernelName as kernelNameOf } from "../common/paths";

export interface NotebookCell {
  host: HostName;
  /** 1-based position among all the notebook's cells, as Jupyter shows them. */
  position: number;
  code: string;
  /** The walkthrough step from a `step-U3` tag, "setup" for untagged leading cells. */
  step: string;
  raisesException: boolean;
  /** The cell waits for the other host (it receives what a later step sends): start it, don't wait. */
  waitsForPeer: boolean;
  /**
   * A predict-then-run cell (tag `predict-U3`): the student's `const guess... = "?"` that the runner
   * replaces with a scripted answer; the step's later cell judges it ("right: ..." / "not quite: ...").
   */
  predict: boolean;
  /** Tag `stop-button`: the cell waits on purpose until the student presses stop; the runner interrupts it as a student would. */
  stopButton: boolean;
}

export interface HostNotebook {
  host: HostName;
  path: string;
  kernelName: string;
  cells: NotebookCell[];
}

interface RawCell { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }

/** `step-U3` names the step; `predict-U3` is a prediction cell of step U3 (it names the step too). */
const stepTag = /^(?:step|predict)-([A-Z]\d+)$/;

/** Loads a notebook; the host comes from its kernelspec (ts-juliet / ts-romeo) or, failing that, its file name. */
export function readNotebook(path: string, expectedHost?: HostName): HostNotebook {
  let raw: { cells?: RawCell[]; metadata?: { kernelspec?: { name?: string } } };
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new NotebookError("ERR_NOTEBOOK_UNREADABLE", `${path}: not a readable notebook (${(err as Error).message})`);
  }
  if (!Array.isArray(raw.cells)) throw new NotebookError("ERR_NOTEBOOK_NO_CELLS", `${path}: not a notebook (no cells)`);
  const kernelName = raw.metadata?.kernelspec?.name ?? "";
  const host = hostOf(kernelName) ?? hostOf(basename(path)) ?? expectedHost;
  if (!host) throw new NotebookError("ERR_NOTEBOOK_HOST_UNKNOWN", `${path}: cannot tell which host it runs on (kernelspec "${kernelName}")`);
  if (expectedHost && host !== expectedHost) throw new NotebookError("ERR_NOTEBOOK_WRONG_HOST", `${path}: this is ${host}'s notebook, expected ${expectedHost}'s`);

  const cells: NotebookCell[] = [];
  let step = "setup";
  raw.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const tags = cell.metadata?.tags ?? [];
    const tagged = tags.map((tag) => stepTag.exec(tag)?.[1]).find((id) => id !== undefined);
    // An untagged cell belongs to the step before it (or to the setup at the top).
    if (tagged) step = tagged;
    const code = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    cells.push({
      host,
      position: index + 1,
      code,
      step,
      raisesException: tags.includes("raises-exception"),
      waitsForPeer: tags.includes("waits-for-peer"),
      predict: tags.some((tag) => tag.startsWith("predict-")),
      stopButton: tags.includes("stop-button"),
    });
  });
  return { host, path, kernelName: kernelNameOf(host), cells };
}

function hostOf(text: string): HostName | undefined {
  const match = /(juliet|romeo)/.exec(text);
  return match ? (match[1] as HostName) : undefined;
}
