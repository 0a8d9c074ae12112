// npm run check-exercise -- <juliet notebook> <romeo notebook> [--udp|--tcp] [--no-loss] [--json FILE] [--timeout SECONDS]
// Runs a student's balcony pair in the lab, as the walkthrough runner does (both hosts, steps
// interleaved), and reports requirement by requirement. Over UDP the LAN really loses the first
// datagram of one line in each direction (wire-watch.ts), unless --no-loss.
// Exit status: 0 all requirements met, 1 some failed, 2 could not run.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { LabSession, closeOnSignals } from "./lab-session";
import { NotebookError, UsageError, runMain } from "../common/errors";
import { projectRoot } from "../common/paths";
import { ensureSystemPackages } from "../common/system-packages";
import { readNotebook, type HostNotebook } from "./notebook";
import { runPair, type TranscriptEntry } from "./run-pair";
import { schedule } from "./schedule";
import { formatEntry, writeJson } from "./transcript";
import { judgeExercise, type Verdict } from "./exercise-requirements";
import { WireWatch, defaultLosses, type LineArrival } from "./wire-watch";

export type Variant = "udp" | "tcp";

export interface ExerciseOptions {
  juliet: string;
  romeo: string;
  variant?: Variant;
  /** UDP only: lose the first datagram of one line each way (default true). */
  loss?: boolean;
  timeoutMs?: number;
  prefix?: string;
  print?: (line: string) => void;
}

export interface ExerciseResult {
  variant: Variant;
  notebooks: Record<HostName, string>;
  /** The lines whose first datagram the LAN dropped. */
  lost: number[];
  entries: TranscriptEntry[];
  arrivals: LineArrival[];
  verdicts: Verdict[];
  passed: boolean;
  wallMs: number;
}

/** UDP or TCP: from the file names (balcony-udp / balcony-tcp), else from the socket type the code creates. */
export function detectVariant(notebooks: readonly HostNotebook[]): Variant {
  const names = notebooks.map((nb) => basename(nb.path).toLowerCase()).join(" ");
  const byName = [/udp/.test(names) && "udp", /tcp/.test(names) && "tcp"].filter(Boolean);
  if (byName.length === 1) return byName[0] as Variant;
  const code = notebooks.flatMap((nb) => nb.cells.map((cell) => cell.code)).join("\n");
  const byCode = [/SOCK_DGRAM/.test(code) && "udp", /SOCK_STREAM/.test(code) && "tcp"].filter(Boolean);
  if (byCode.length === 1) return byCode[0] as Variant;
  throw new NotebookError("ERR_NOTEBOOK_VARIANT_UNKNOWN", "cannot tell whether this is the UDP or the TCP exercise: give --udp or --tcp");
}

export async function checkExercise(options: ExerciseOptions): Promise<ExerciseResult> {
  const print = options.print ?? (() => {});
  const started = Date.now();
  const notebooks = [readNotebook(resolve(options.juliet), "juliet"), readNotebook(resolve(options.romeo), "romeo")];
  const variant = options.variant ?? detectVariant(notebooks);
  const losses = variant === "udp" && options.loss !== false ? defaultLosses() : [];
  const cells = schedule(notebooks);
  const session = await LabSession.open({ root: projectRoot, prefix: options.prefix, log: print });
  let entries: TranscriptEntry[] = [];
  let arrivals: LineArrival[] = [];
  try {
    const watch = await WireWatch.install(session.lab, variant, losses);
    try {
      if (losses.length) print(`the LAN loses the first datagram carrying line ${losses.map((l) => l.seq).join(" and line ")} (later copies pass)`);
      const pair = await session.startPair(notebooks);
      print(`== balcony over ${variant.toUpperCase()}: ${cells.length} cells on juliet and romeo (kernels started in ${pair.startMs} ms)`);
      try {
        entries = await runPair(cells, pair.kernels, { timeoutMs: options.timeoutMs ?? 20_000, onCell: (entry, total) => print(formatEntry(entry, total)) });
      } finally {
        await pair.stop();
      }
      arrivals = await watch.arrivals();
    } finally {
      await watch.uninstall();
    }
  } finally {
    await session.close();
  }
  const verdicts = judgeExercise(entries, arrivals);
  return {
    variant,
    notebooks: { juliet: notebooks[0].path, romeo: notebooks[1].path },
    lost: losses.map((l) => l.seq),
    entries,
    arrivals,
    verdicts,
    passed: verdicts.every((v) => v.passed),
    wallMs: Date.now() - started,
  };
}

/** The report: one PASS/FAIL line per requirement with its reasons. */
export function formatVerdicts(verdicts: readonly Verdict[]): string {
  return verdicts.map((v) => [`${v.passed ? "PASS" : "FAIL"}  ${v.requirement}`, ...v.details.map((d) => `      ${d}`)].join("\n")).join("\n");
}

const usage = "usage: npm run check-exercise -- <juliet notebook> <romeo notebook> [--udp|--tcp] [--no-loss] [--json FILE] [--timeout SECONDS]";

function parseArgs(args: string[]): ExerciseOptions & { json?: string } {
  const files: string[] = [];
  const options: Partial<ExerciseOptions> & { json?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--udp" || arg === "--tcp") options.variant = arg.slice(2) as Variant;
    else if (arg === "--no-loss") options.loss = false;
    else if (arg === "--json" && args[i + 1]) options.json = args[++i];
    else if (arg === "--timeout" && Number(args[i + 1]) > 0) options.timeoutMs = Number(args[++i]) * 1000;
    else if (!arg.startsWith("--")) files.push(arg);
    else throw new UsageError(`unknown option ${arg}; ${usage}`);
  }
  if (files.length !== 2) throw new UsageError(usage);
  for (const file of files) {
    try {
      readFileSync(file); // a missing file fails here, with its name
    } catch (err) {
      throw new NotebookError("ERR_NOTEBOOK_UNREADABLE", (err as Error).message);
    }
  }
  return { ...options, juliet: files[0], romeo: files[1] };
}

async function main(): Promise<number> {
  const { json, ...options } = parseArgs(process.argv.slice(2));
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  closeOnSignals();
  ensureSystemPackages((line) => console.log(line));
  const result = await checkExercise({ ...options, print: (line) => console.log(line) });
  if (json) writeJson(json, result);
  console.log(`\nbalcony exercise over ${result.variant.toUpperCase()}: ${result.notebooks.juliet} + ${result.notebooks.romeo}`);
  console.log(formatVerdicts(result.verdicts));
  console.log(result.passed ? "all requirements met" : `${result.verdicts.filter((v) => !v.passed).length} of ${result.verdicts.length} requirements FAILED`);
  return result.passed ? 0 : 1;
}

if (require.main === module) {
  runMain("check-exercise", main, { failed: 2 });
}
