// npm run walkthrough [-- udp|tcp|all] [--json FILE] [--timeout SECONDS] [--save DIR [--html]]
// Runs the walkthrough notebooks headless in the lab: both hosts' kernels, cells interleaved
// in step order, a transcript with progress, each step checked against what it must show.
// Exits 1 naming the first step that deviates (2 if it could not run at all).
import { join } from "node:path";
import { hostNames } from "@sockets-typescript/topology";
import type { KernelBackend, KernelPair } from "../session/kernel-pair";
import { LabSession, closeOnSignals } from "../session/lab-session";
import { UsageError, runMain } from "../common/errors";
import { notebooksDir, projectRoot } from "../common/paths";
import { ensureSystemPackages } from "../common/system-packages";
import { readNotebook, type HostNotebook } from "../session/notebook";
import { runPair } from "./run-pair";
import type { TranscriptEntry } from "../session/cell-recorder";
import { schedule } from "../session/schedule";
import { formatEntry, median, writeJson } from "../session/transcript";
import { saveNotebooks } from "./save-notebooks";
import { checkWalkthrough, type Deviation } from "./walkthrough-check";
import { expectationsFor, type Part } from "./walkthrough-expectations";
import { parseAnswer, scriptedAnswers } from "./predictions";

const notebookPrefix: Record<Part, string> = { basics: "00-basics", udp: "01-udp", tcp: "02-tcp" };
/** Every part, in the order a student opens the notebooks. */
export const allParts: Part[] = ["basics", "udp", "tcp"];

export interface PartResult {
  part: Part;
  notebooks: string[];
  kernelStartMs: number;
  /** From the first cell sent to the last reply. */
  cellsMs: number;
  entries: TranscriptEntry[];
  deviations: Deviation[];
}

export interface WalkthroughResult {
  wallMs: number;
  labMs: number;
  serverMs: number;
  parts: PartResult[];
  /** From the last cell's reply to the end: kernels shut down, server stopped, lab down if brought up. */
  closeMs: number;
  medianCellMs: number;
  passed: boolean;
  /** The first deviating step, "U5 on juliet: ...", or null. */
  firstDeviation: string | null;
}

export interface WalkthroughOptions {
  parts?: Part[];
  timeoutMs?: number;
  /** Where the notebooks are (default: the project's notebooks/); the folder must lie inside root. */
  notebookDir?: string;
  root?: string;
  prefix?: string;
  /** Prediction answers by step (default: the answer key, predictions.ts). */
  answers?: Readonly<Record<string, string>>;
  print?: (line: string) => void;
}

/** The notebook pair of one part, juliet's first. */
export function walkthroughNotebooks(part: Part, dir = notebooksDir): HostNotebook[] {
  return hostNames.map((host) => readNotebook(join(dir, `${notebookPrefix[part]}-${host}.ipynb`), host));
}

async function runPart(part: Part, notebooks: HostNotebook[], pair: KernelPair, timeoutMs: number, print: (line: string) => void, answers?: Readonly<Record<string, string>>): Promise<PartResult> {
  const cells = schedule(notebooks);
  print(`== ${part.toUpperCase()} walkthrough: ${cells.length} cells on juliet and romeo (kernels started in ${pair.startMs} ms)`);
  const started = Date.now();
  const entries = await runPair(cells, pair.kernels, { timeoutMs, answers, onCell: (entry, total) => print(formatEntry(entry, total)) });
  const cellsMs = Date.now() - started;
  const deviations = checkWalkthrough(entries, expectationsFor[part]);
  return { part, notebooks: notebooks.map((nb) => nb.path), kernelStartMs: pair.startMs, cellsMs, entries, deviations };
}

/**
 * Runs the parts on one Jupyter server: the next part's kernels start while the current part
 * runs, and a finished part's kernels shut down in the background.
 */
export async function runWalkthrough(options: WalkthroughOptions = {}): Promise<WalkthroughResult> {
  const parts = options.parts ?? allParts;
  const print = options.print ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30_000;
  const root = options.root ?? projectRoot;
  const started = Date.now();
  const notebooks = parts.map((part) => walkthroughNotebooks(part, options.notebookDir));
  const backend: KernelBackend & { openMs: { lab: number; server: number } } = await LabSession.open({ root, prefix: options.prefix, log: print });
  const results: PartResult[] = [];
  const stopping: Promise<void>[] = [];
  let closing = 0;
  const pairs: Promise<KernelPair>[] = [];
  const startPair = (i: number) => {
    const pair = backend.startPair(notebooks[i]);
    pair.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    pairs[i] = pair;
  };
  try {
    startPair(0);
    for (let i = 0; i < parts.length; i++) {
      const pair = await pairs[i];
      if (i + 1 < parts.length) startPair(i + 1);
      try {
        results.push(await runPart(parts[i], notebooks[i], pair, timeoutMs, print, options.answers));
      } finally {
        stopping.push(pair.stop());
      }
    }
  } finally {
    closing = Date.now();
    // Kernels started for a part that never ran (an earlier part threw).
    for (const pair of pairs.slice(results.length + 1)) stopping.push(pair.then((p) => p.stop(), () => undefined));
    await Promise.all(stopping);
    await backend.close();
  }
  const deviations = results.flatMap((r) => r.deviations);
  const first = deviations[0];
  return {
    wallMs: Date.now() - started,
    labMs: backend.openMs.lab,
    serverMs: backend.openMs.server,
    parts: results,
    closeMs: Date.now() - closing,
    medianCellMs: median(results.flatMap((r) => r.entries.map((e) => e.ms))),
    passed: deviations.length === 0,
    firstDeviation: first ? `${first.step} on ${first.host}: ${first.problem}` : null,
  };
}

const usage = "usage: npm run walkthrough [-- basics|udp|tcp|all] [--answer STEP=GUESS] [--json FILE] [--timeout SECONDS] [--save DIR [--html]]";

function parseArgs(args: string[]): { parts: Part[]; json?: string; timeoutMs: number; save?: string; html: boolean; answers: Record<string, string> } {
  let parts: Part[] = allParts;
  const answers: Record<string, string> = { ...scriptedAnswers };
  let json: string | undefined;
  let save: string | undefined;
  let html = false;
  let timeoutMs = 30_000;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "basics" || arg === "udp" || arg === "tcp") parts = [arg];
    else if (arg === "all") parts = allParts;
    else if (arg === "--answer" && args[i + 1]) {
      const [step, guess] = parseAnswer(args[++i]);
      answers[step] = guess;
    }
    else if (arg === "--json" && args[i + 1]) json = args[++i];
    else if (arg === "--timeout" && Number(args[i + 1]) > 0) timeoutMs = Number(args[++i]) * 1000;
    else if (arg === "--save" && args[i + 1] && !args[i + 1].startsWith("--")) save = args[++i];
    else if (arg === "--html") html = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${usage}`);
  }
  if (html && !save) throw new UsageError(`--html needs --save DIR (the HTML pages go next to the saved notebooks); ${usage}`);
  return { parts, json, timeoutMs, save, html, answers };
}

async function main(): Promise<number> {
  const { parts, json, timeoutMs, save, html, answers } = parseArgs(process.argv.slice(2));
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  closeOnSignals();
  ensureSystemPackages((line) => console.log(line));
  const result = await runWalkthrough({ parts, timeoutMs, answers, print: (line) => console.log(line) });
  if (json) writeJson(json, result);
  if (save) {
    // Each host's notebook with what its cells showed in this run (also when a step deviated: the handout shows where).
    const runs = result.parts.flatMap((r) => r.notebooks.map((path) => ({ path, entries: r.entries.filter((e) => e.host === readNotebook(path).host) })));
    for (const saved of saveNotebooks(save, runs, html)) console.log(`saved ${saved.notebook}${saved.html ? ` and ${saved.html}` : ""}`);
  }
  console.log(
    `\nwall ${result.wallMs} ms (lab ${result.labMs} ms, server ${result.serverMs} ms); ` +
      `kernels started in ${result.parts.map((r) => `${r.part} ${r.kernelStartMs} ms`).join(", ")}; ` +
      `cells ${result.parts.map((r) => `${r.part} ${r.cellsMs} ms`).join(", ")}; median cell ${result.medianCellMs} ms; shutdown ${result.closeMs} ms`,
  );
  for (const d of result.parts.flatMap((r) => r.deviations)) console.log(`DEVIATION ${d.step} on ${d.host}: ${d.problem}`);
  if (result.passed) {
    console.log(`walkthrough passed: ${result.parts.map((r) => `${r.part.toUpperCase()} ${r.entries.length} cells`).join(", ")}, every step as expected`);
    return 0;
  }
  console.log(`walkthrough FAILED at step ${result.firstDeviation}`);
  return 1;
}

if (require.main === module) {
  runMain("walkthrough", main, { failed: 2 });
}
