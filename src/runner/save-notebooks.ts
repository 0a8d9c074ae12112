// The handout of `npm run walkthrough -- --save DIR [--html]`: each host's notebook as it was
// executed in the run (the outputs, display bundles with all their MIME types, under each cell;
// execution counts in the order the cells ran; the kernelspec and every other field kept; each
// view's PNG added for readers who open it untrusted), and,
// with --html, the same pages made by the distribution's `jupyter nbconvert --to html`, which
// draws SVG and HTML outputs and shows text/plain where a bundle has nothing richer.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { withPng } from "@sockets-typescript/notebook";
import { HandoutError } from "../common/errors";
import { projectRoot } from "../common/paths";
import type { NotebookOutput } from "../session/kernel-client";
import type { TranscriptEntry } from "../session/cell-recorder";

export const NBCONVERT = "/usr/bin/jupyter-nbconvert";
const NBCONVERT_TIMEOUT_MS = 120_000;
/** nbconvert's lab page, but with SVG outputs kept whole (see the file). Its name must differ from the stock templates' (an "index.html.j2" given by path is shadowed by lab's). */
export const HANDOUT_TEMPLATE = join(projectRoot, "src", "runner", "handout", "handout.html.j2");

interface RawCell { cell_type: string; execution_count?: number | null; outputs?: unknown[]; [key: string]: unknown }
interface RawNotebook { cells: RawCell[]; [key: string]: unknown }

/** Consecutive stream outputs of one name as one (what Jupyter shows: one block of printed text). */
function mergeStreams(outputs: readonly NotebookOutput[]): NotebookOutput[] {
  const merged: NotebookOutput[] = [];
  for (const output of outputs) {
    const last = merged[merged.length - 1];
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      merged[merged.length - 1] = { ...last, text: last.text + output.text };
    } else merged.push({ ...output });
  }
  return merged;
}

/**
 * The notebook at `path` with the outputs of the run's `entries` for it (one host's cells, by
 * their position in the notebook). Cells that did not run keep no outputs and no count.
 */
export function executedNotebook(path: string, entries: readonly TranscriptEntry[]): RawNotebook {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as RawNotebook;
  const ran = [...entries].sort((a, b) => a.index - b.index);
  ran.forEach((entry, i) => {
    const cell = notebook.cells[entry.position - 1];
    if (!cell || cell.cell_type !== "code") return;
    const count = i + 1;
    cell.execution_count = count;
    // The views' PNGs, which the kernel does not draw, for a reader who opens the handout untrusted (view-bundle.ts).
    cell.outputs = mergeStreams(entry.outputs ?? []).map((output) =>
      output.output_type === "execute_result" ? { ...output, data: withPng(output.data), execution_count: count }
        : output.output_type === "display_data" ? { ...output, data: withPng(output.data) }
        : output);
  });
  return notebook;
}

export interface SavedNotebook {
  notebook: string;
  /** The HTML page, with --html. */
  html?: string;
}

/** Writes each notebook of the run into `dir` under its own name; with `html`, also its HTML page. */
export function saveNotebooks(dir: string, runs: readonly { path: string; entries: readonly TranscriptEntry[] }[], html: boolean): SavedNotebook[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new HandoutError("ERR_HANDOUT_NOT_WRITABLE", `cannot create ${dir}: ${(err as Error).message}`);
  }
  return runs.map(({ path, entries }) => {
    const file = join(dir, basename(path));
    try {
      writeFileSync(file, JSON.stringify(executedNotebook(path, entries), null, 1) + "\n");
    } catch (err) {
      throw new HandoutError("ERR_HANDOUT_NOT_WRITABLE", `cannot write ${file}: ${(err as Error).message}`);
    }
    return html ? { notebook: file, html: toHtml(file) } : { notebook: file };
  });
}

/** `jupyter nbconvert --to html` next to the notebook; returns the page's path. */
export function toHtml(notebook: string): string {
  const result = spawnSync(NBCONVERT, ["--to", "html", "--log-level=WARN", `--template-file=${HANDOUT_TEMPLATE}`, notebook], { encoding: "utf8", timeout: NBCONVERT_TIMEOUT_MS });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit status ${result.status}: ${result.stderr.trim().split("\n").slice(-5).join("\n")}`;
    throw new HandoutError("ERR_HANDOUT_HTML_FAILED", `${NBCONVERT} --to html ${notebook} failed (${why})`);
  }
  return notebook.replace(/\.ipynb$/, ".html");
}
