// `npm run bench:browser`: what a student feels in the browser. Runs the front-end browser test
// (test/frontends.test.ts: JupyterLab 4 and Notebook 7 in Chromium, both walkthroughs, then the
// yardstick: a TypeScript and a Python notebook opened together in the same server, `1 + 1` in
// alternating blocks), reads the timings it records (dist/test-artifacts/browser/frontends-*.json)
// and prints them side by side with the targets of issue 20 as ratios to the Python kernel of the
// same run. A benchmark, not a test: it reports BELOW but exits 0; 1 only when it could not measure.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";

interface Timings {
  frontEnd: string;
  kernelReadyMs: Record<string, number>;
  cells: { part: string; host: string; step: string; ms: number; waits: boolean }[];
  trivial: { kernelReadyMs: { typescript: number; python: number }; typescriptMs: number[]; pythonMs: number[] };
}

const artifacts = join(projectRoot, "dist", "test-artifacts", "browser");

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One front end's lines: each figure, Python's beside it, the ratio and its target. */
export function browserReport(t: Timings): string[] {
  const py = t.trivial.pythonMs;
  const ts = t.trivial.typescriptMs;
  const quick = t.cells.filter((c) => !c.waits).map((c) => c.ms);
  const tsReady = Object.values(t.kernelReadyMs);
  const row = (what: string, value: number, python: number, target: number | null) => {
    const ratio = value / python;
    const verdict = target === null ? "" : ratio <= target ? `  ok (target <= ${target}x)` : `  BELOW (target <= ${target}x)`;
    return `  ${what.padEnd(46)} ${String(Math.round(value)).padStart(6)} ms  python ${String(Math.round(python)).padStart(6)} ms  ${ratio.toFixed(2)}x${verdict}`;
  };
  return [
    `${t.frontEnd === "lab" ? "JupyterLab 4" : "Notebook 7"} (${ts.length} + ${py.length} trivial cells, ${quick.length} walkthrough cells that wait for no one):`,
    row("trivial cell p50 (1 + 1)", quantile(ts, 0.5), quantile(py, 0.5), 1.3),
    row("trivial cell p90", quantile(ts, 0.9), quantile(py, 0.9), null),
    row("walkthrough cell p50 (vs Python's 1 + 1)", quantile(quick, 0.5), quantile(py, 0.5), 2),
    row("walkthrough cell p90 (vs Python's 1 + 1 p90)", quantile(quick, 0.9), quantile(py, 0.9), 3),
    row("kernel ready, yardstick pair", t.trivial.kernelReadyMs.typescript, t.trivial.kernelReadyMs.python, 1),
    row("kernel ready, walkthrough pairs (median of 4)", quantile(tsReady, 0.5), t.trivial.kernelReadyMs.python, 1),
  ];
}

function main(): void {
  for (const frontEnd of ["lab", "notebook7"]) rmSync(join(artifacts, `frontends-${frontEnd}.json`), { force: true });
  process.stderr.write("bench:browser: running the front-end browser test (about 2 minutes)\n");
  const run = spawnSync(process.execPath, ["--test", "--test-force-exit", join(projectRoot, "dist", "test", "frontends.test.js")], { stdio: ["ignore", "inherit", "inherit"], timeout: 15 * 60_000 });
  const lines: string[] = [];
  for (const frontEnd of ["lab", "notebook7"]) {
    const file = join(artifacts, `frontends-${frontEnd}.json`);
    if (!existsSync(file)) continue;
    lines.push(...browserReport(JSON.parse(readFileSync(file, "utf8")) as Timings));
  }
  if (lines.length === 0) {
    process.stderr.write(`bench:browser: the browser test recorded no timings (its exit status ${run.status ?? run.signal}): nothing measured\n`);
    process.exit(1);
  }
  console.log(`\nbench:browser: press-to-output and kernel ready, TypeScript host kernels beside the server's Python kernel, one run${run.status === 0 ? "" : ` (the browser test itself failed: status ${run.status ?? run.signal})`}`);
  for (const line of lines) console.log(line);
}

if (require.main === module) main();
