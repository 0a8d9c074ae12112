// npm run walkthrough [-- udp|tcp|all] [--json FILE] [--timeout SECONDS]
// Runs the walkthrough notebooks headless in the lab: both hosts' kernels, cells interleaved
// in step order, a transcript with progress, each step checked against what it must show.
// Exits 1 naming the first step that deviates.
import { join } from "node:path";
import { hostNames } from "@sockets-typescript/topology";
import type { KernelBackend } from "./kernel-pair";
import { readNotebook } from "./notebook";
import { runPair, type TranscriptEntry } from "./run-pair";
import { schedule } from "./schedule";
import { formatEntry, writeJson } from "./transcript";
import { checkWalkthrough, type Deviation } from "./walkthrough-check";
import { expectationsFor, type Part } from "./walkthrough-expectations";
import { openLab } from "./lab-backend";

export const projectRoot = join(__dirname, "..", "..", "..");
const notebookPrefix: Record<Part, string> = { udp: "01-udp", tcp: "02-tcp" };

export interface PartResult {
  part: Part;
  kernelStartMs: number;
  wallMs: number;
  entries: TranscriptEntry[];
  deviations: Deviation[];
}

/** Runs one part's notebook pair on fresh kernels and checks it. */
export async function runPart(backend: KernelBackend, part: Part, timeoutMs: number, print: (line: string) => void): Promise<PartResult> {
  const started = Date.now();
  const notebooks = hostNames.map((host) => readNotebook(join(projectRoot, "notebooks", `${notebookPrefix[part]}-${host}.ipynb`), host));
  const cells = schedule(notebooks);
  print(`== ${part.toUpperCase()} walkthrough: ${cells.length} cells on juliet and romeo`);
  const pair = await backend.startPair(notebooks);
  print(`   kernels ready in ${pair.startMs} ms`);
  let entries: TranscriptEntry[];
  try {
    entries = await runPair(cells, pair.kernels, { timeoutMs, onCell: (entry, total) => print(formatEntry(entry, total)) });
  } finally {
    await pair.stop();
  }
  const deviations = checkWalkthrough(entries, expectationsFor[part]);
  return { part, kernelStartMs: pair.startMs, wallMs: Date.now() - started, entries, deviations };
}

function parseArgs(args: string[]): { parts: Part[]; json?: string; timeoutMs: number } {
  let parts: Part[] = ["udp", "tcp"];
  let json: string | undefined;
  let timeoutMs = 30_000;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "udp" || arg === "tcp") parts = [arg];
    else if (arg === "all") parts = ["udp", "tcp"];
    else if (arg === "--json" && args[i + 1]) json = args[++i];
    else if (arg === "--timeout" && Number(args[i + 1]) > 0) timeoutMs = Number(args[++i]) * 1000;
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; usage: npm run walkthrough [-- udp|tcp|all] [--json FILE] [--timeout SECONDS]`);
  }
  return { parts, json, timeoutMs };
}

async function main(): Promise<number> {
  const { parts, json, timeoutMs } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const backend = await openLab(projectRoot, (line) => console.log(line));
  const results: PartResult[] = [];
  try {
    for (const part of parts) results.push(await runPart(backend, part, timeoutMs, (line) => console.log(line)));
  } finally {
    await backend.close();
  }
  const wallMs = Date.now() - started;
  if (json) writeJson(json, { wallMs, parts: results });
  const cellTimes = results.flatMap((r) => r.entries.map((e) => e.ms)).sort((a, b) => a - b);
  console.log(`\nwall ${wallMs} ms; kernel start ${results.map((r) => `${r.part} ${r.kernelStartMs} ms`).join(", ")}; median cell ${cellTimes[Math.floor(cellTimes.length / 2)] ?? 0} ms`);
  const deviations = results.flatMap((r) => r.deviations);
  if (deviations.length === 0) {
    console.log(`walkthrough passed: ${results.map((r) => `${r.part.toUpperCase()} ${r.entries.length} cells`).join(", ")}, every step as expected`);
    return 0;
  }
  for (const d of deviations) console.log(`DEVIATION ${d.step} on ${d.host}: ${d.problem}`);
  console.log(`walkthrough FAILED at step ${deviations[0].step} on ${deviations[0].host}`);
  return 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`walkthrough: ${err.message}`);
      process.exit(2);
    },
  );
}
