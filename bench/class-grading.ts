// Class-grading throughput, measured (not asserted): a class of reference submissions (UDP and
// TCP, copied from notebooks/solutions) graded by `check-exercise --class` one at a time and two
// at once; submissions per minute each way and the ratio. Needs root (labs); one network seed per
// UDP submission so the bench stays short (a real grading runs 3).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";
import { gradeClass } from "../src/grader/class-grading";
import { CheckGuard } from "../src/grader/check-guard";
import { runStandalone } from "./standalone";

export interface ClassThroughput {
  submissions: number;
  perMinute: Record<1 | 2, number>;
  /** Wall seconds per submission, one at a time (what one student waits for, on this machine). */
  secondsPerSubmission: number;
  cores: number;
  allPassed: boolean;
}

export const SECONDS_TARGET = 10;
export const PARALLEL_TARGET = 1.8;
/** The class an instructor sizes a machine for. */
export const CLASS_SIZE = 200;

/** The report's ratio lines: seconds per submission, 2 at once vs 1, throughput per core and a class's time. */
export function throughputLines(t: Pick<ClassThroughput, "perMinute" | "secondsPerSubmission" | "cores">): string[] {
  const speedup = t.perMinute[2] / t.perMinute[1];
  const best = Math.max(t.perMinute[1], t.perMinute[2]);
  // 2 workers on this machine's cores (2 on the bench's VM): the best rate per core, for sizing.
  const perCore = best / t.cores;
  const verdict = (ok: boolean) => (ok ? "OK" : "BELOW");
  return [
    `  seconds per submission (1 at once): ${t.secondsPerSubmission.toFixed(1)} s, target <= ${SECONDS_TARGET} s: ${verdict(t.secondsPerSubmission <= SECONDS_TARGET)}`,
    `  2 at once vs 1: ${speedup.toFixed(2)}x, target >= ${PARALLEL_TARGET}x: ${verdict(speedup >= PARALLEL_TARGET)}`,
    `  throughput per core: ${perCore.toFixed(2)} submissions/min/core (best of 1 and 2 at once, ${t.cores} cores)`,
    `  ${CLASS_SIZE} students: about ${(CLASS_SIZE / best).toFixed(0)} min on this machine; ${(CLASS_SIZE / (perCore * 8)).toFixed(0)} min on 8 cores (--parallel 8, if it scales per core)`,
  ];
}

/** A class of `count` submissions, alternating UDP and TCP references (each with its helper file). */
function referenceClass(count: number): string {
  const dir = mkdtempSync(join(projectRoot, ".bench-class-"));
  const solutions = join(projectRoot, "notebooks", "solutions");
  for (let i = 0; i < count; i++) {
    const protocol = i % 2 === 0 ? "udp" : "tcp";
    const student = join(dir, `student-${i + 1}-${protocol}`);
    mkdirSync(student);
    for (const file of readdirSync(solutions).filter((f) => f.startsWith(`03-balcony-${protocol}`) && f.endsWith(".ipynb"))) {
      cpSync(join(solutions, file), join(student, file));
    }
  }
  return dir;
}

/**
 * The measurement; `signal` (the bench's Ctrl-C or SIGTERM) stops the grading, and every check's
 * lab and server are taken down before the promise settles. `progress` gets the grader's lines.
 */
export async function measureClassGrading(log: (line: string) => void = console.log, signal?: AbortSignal, progress?: (line: string) => void, count = 4): Promise<ClassThroughput> {
  const classFolder = referenceClass(count);
  const debug = console.debug;
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  // One guard for both passes: closing it undoes every check under way (and the graders' copies).
  const guard = new CheckGuard();
  const stop = () => void guard.close();
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  try {
    const perMinute = {} as Record<1 | 2, number>;
    let secondsPerSubmission = NaN;
    let allPassed = true;
    for (const parallel of [1, 2] as const) {
      const result = await gradeClass({ classFolder, parallel, seedCount: 1, prefixBase: `bc${parallel}`, guard, print: progress });
      perMinute[parallel] = result.grades.length / (result.wallMs / 60_000);
      if (parallel === 1) secondsPerSubmission = result.wallMs / 1000 / result.grades.length;
      allPassed &&= result.grades.every((g) => g.score === 3);
      log(`class grading, ${parallel} at once: ${result.grades.length} submissions in ${(result.wallMs / 1000).toFixed(1)} s = ${perMinute[parallel].toFixed(1)} per minute`);
    }
    const cores = cpus().length;
    if (!allPassed) log("class grading: some reference submission did not pass (see check-exercise)");
    for (const line of throughputLines({ perMinute, secondsPerSubmission, cores })) log(line);
    return { submissions: count, perMinute, secondsPerSubmission, cores, allPassed };
  } finally {
    signal?.removeEventListener("abort", stop);
    await guard.close();
    console.debug = debug;
    rmSync(classFolder, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone("class grading", (signal) => measureClassGrading(console.log, signal, (line) => process.stderr.write(`${line}\n`)));
