// npm run check-exercise -- <notebook> <notebook> [--udp|--tcp] [--seed N[,N...]] [--seeds COUNT] [--no-loss] [--json FILE] [--timeout SECONDS] [--no-sandbox]
// npm run check-exercise -- --class <folder> [--parallel N] [--shard I/N] [--out FOLDER] [--seeds COUNT] [--timeout SECONDS] [--no-sandbox]
// npm run check-exercise -- --merge <shard folder>... --out FOLDER   (merge.ts: a class graded in shards)
//
// The grader's command line: one submission's pair (check.ts) or a whole class (class-grading.ts,
// grades.csv and report.html from grade-report.ts). What the check does is said in check.ts.
// Exit status: 0 all requirements met, 1 some failed (--class: a submission could not be graded),
// 2 could not run, 130 interrupted.
import { resolve } from "node:path";
import { ensureSystemPackages } from "../common/system-packages";
import { UsageError, describeFailure } from "../common/errors";
import { projectRoot } from "../common/paths";
import { writeJson } from "../session/transcript";
import { CheckInterruptedError } from "./check-errors";
import { CheckGuard, closeGuardOnSignals } from "./check-guard";
import { checkExercise, formatSeeds, formatVerdicts } from "./check";
import { parseArgs, type CliOptions } from "./cli-args";
import { loadPair } from "./exercise-pair";
import { findSubmissions, gradeClass } from "./class-grading";
import { writeClassReport } from "./grade-report";
import { mergeShards, writeMerged } from "./merge";

/** The --class command: grades, writes grades.csv and report.html, exits 0 (1 if a submission could not be graded). */
async function gradeClassCli(options: CliOptions, guard: CheckGuard): Promise<number> {
  const classFolder = resolve(options.classFolder!);
  findSubmissions(classFolder); // a missing folder fails before anything is set up
  ensureSystemPackages((line) => console.log(line), { grader: true });
  const out = resolve(options.out ?? `${classFolder.replace(/\/+$/, "")}-grades`);
  // A lab prefix given (SOCKETS_LAB_PREFIX) names the workers' labs: <prefix><worker>-.
  const base = process.env.SOCKETS_LAB_PREFIX?.replace(/-$/, "");
  if (base !== undefined && !/^[a-z0-9]{1,6}$/.test(base)) throw new UsageError(`SOCKETS_LAB_PREFIX=${JSON.stringify(process.env.SOCKETS_LAB_PREFIX)}: --class needs at most 6 of a-z and 0-9 (its labs are <prefix><worker>-)`);
  const result = await gradeClass({ classFolder, prefixBase: base || undefined, parallel: options.parallel, shard: options.shard, seedCount: options.seedCount, seeds: options.seeds, timeoutMs: options.timeoutMs, sandbox: options.sandbox, guard, print: (line) => console.log(line) });
  await guard.close();
  const { csv, html, json } = writeClassReport(out, result.grades, { classFolder, shard: options.shard });
  const minutes = result.wallMs / 60_000;
  console.log(`graded ${result.grades.length} submissions in ${(result.wallMs / 1000).toFixed(1)} s (${(result.grades.length / minutes).toFixed(1)} per minute, ${result.parallel} at once)`);
  console.log(`wrote ${csv}\nwrote ${html}\nwrote ${json}`);
  return result.grades.some((g) => g.error) ? 1 : 0;
}

/** The command's undo registry; once a signal started undoing, errors of the half-stopped check are not reported. */
const commandGuard = new CheckGuard();

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  const guard = commandGuard;
  closeGuardOnSignals(guard);
  if (options.merge !== undefined) {
    const merged = mergeShards(options.merge);
    const files = writeMerged(merged, resolve(options.out!));
    console.log(`merged ${merged.count} shard${merged.count === 1 ? "" : "s"} of ${merged.class}: ${merged.grades.length} students\n${files.map((f) => `wrote ${f}`).join("\n")}`);
    return 0;
  }
  if (options.classFolder !== undefined) {
    return gradeClassCli(options, guard);
  }
  // Checked before the packages and the lab: a wrong path or kernel costs nothing.
  loadPair(options.notebooks!, projectRoot);
  ensureSystemPackages((line) => console.log(line), { grader: true });
  const result = await checkExercise({ ...options, guard, print: (line) => console.log(line) });
  await guard.close();
  if (options.json) writeJson(options.json, result);
  console.log(`\nbalcony exercise over ${result.variant.toUpperCase()}: ${result.notebooks.juliet} + ${result.notebooks.romeo} (${result.cases.length} runs: ${result.cases.map((c) => `${c.name} ${(c.wallMs / 1000).toFixed(1)} s`).join(", ")})`);
  console.log(formatVerdicts(result.verdicts));
  for (const line of formatSeeds(result)) console.log(line);
  console.log(result.passed ? "all requirements met" : `${result.verdicts.filter((v) => !v.passed).length} of ${result.verdicts.length} requirements FAILED`);
  return result.passed ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      if (commandGuard.signalled || err instanceof CheckInterruptedError || (err as { code?: string }).code === "ERR_SYSTEM_PACKAGES_INTERRUPTED") {
        // The signal handler is undoing what was set up: end with it (130), not before it.
        void commandGuard.close().finally(() => process.exit(130));
        return;
      }
      // Up to 3 lines of the reason: a multi-line error keeps its context.
      // (A usage error whole: the usage is its point.)
      const lines = describeFailure("check-exercise", err).split("\n");
      const keep = err instanceof UsageError ? lines.length : 3;
      console.error(`${lines.slice(0, keep).join("\n")}${lines.length > keep ? `\n  (${lines.length - keep} more lines)` : ""}`);
      process.exit(err instanceof UsageError ? 2 : 2);
    },
  );
}
