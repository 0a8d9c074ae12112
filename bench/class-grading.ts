// Class-grading throughput, measured (not asserted): a class of reference submissions (UDP and
// TCP, copied from notebooks/solutions) graded by `check-exercise --class` one at a time and two
// at once; submissions per minute each way and the ratio. Needs root (labs); one network seed per
// UDP submission so the bench stays short (a real grading runs 3).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";
import { gradeClass } from "../src/grader/class-grading";
import { CheckGuard } from "../src/grader/check-guard";
import { runStandalone } from "./standalone";

export interface ClassThroughput {
  submissions: number;
  perMinute: Record<1 | 2, number>;
  allPassed: boolean;
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
    let allPassed = true;
    for (const parallel of [1, 2] as const) {
      const result = await gradeClass({ classFolder, parallel, seedCount: 1, prefixBase: `bc${parallel}`, guard, print: progress });
      perMinute[parallel] = result.grades.length / (result.wallMs / 60_000);
      allPassed &&= result.grades.every((g) => g.score === 3);
      log(`class grading, ${parallel} at once: ${result.grades.length} submissions in ${(result.wallMs / 1000).toFixed(1)} s = ${perMinute[parallel].toFixed(1)} per minute`);
    }
    log(`class grading: 2 at once vs 1: ${(perMinute[2] / perMinute[1]).toFixed(2)}x${allPassed ? "" : " (some reference submission did not pass: see check-exercise)"}`);
    return { submissions: count, perMinute, allPassed };
  } finally {
    signal?.removeEventListener("abort", stop);
    await guard.close();
    console.debug = debug;
    rmSync(classFolder, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone("class grading", (signal) => measureClassGrading(console.log, signal, (line) => process.stderr.write(`${line}\n`)));
