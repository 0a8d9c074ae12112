// npm run check-exercise -- --class <folder> [--parallel N] [--shard I/N] [--out FOLDER] [--seeds COUNT]
//
// Grades a whole class: <folder> holds one sub-folder per student with their two notebooks (and
// any helper .ts files they import). Each submission is checked as check-exercise checks one pair,
// in a lab of its own (a namespace prefix per worker, so submissions never share a LAN), with at
// most N at once (default: the number of cores). The protocol is told per submission from the
// socket type the notebooks create (SOCK_DGRAM: UDP, SOCK_STREAM: TCP), else their file names.
// Writes grades.csv and report.html (each student's verdicts, transcript and wire counts of
// failing runs). --shard I/N grades only the students whose name hashes to shard I (stable when
// students are added), so several machines or CI jobs can share a class.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { checkExercise, type ExerciseResult } from "./check";
import { CheckInterruptedError, SubmissionError } from "./check-errors";
import { CheckGuard } from "./check-guard";
import { UsageError } from "../common/errors";
import { projectRoot } from "../common/paths";
import type { Grade } from "./grade-report";
import { DEFAULT_LIMITS, describeSandbox, probeSandbox } from "./sandbox";

export interface Submission {
  student: string;
  folder: string;
  notebooks: string[];
}

/** The students' folders (sorted by name), each with the notebooks found in it. */
export function findSubmissions(classFolder: string): Submission[] {
  if (!existsSync(classFolder) || !statSync(classFolder).isDirectory()) throw new SubmissionError("ERR_SUBMISSION_CLASS_FOLDER", `${classFolder}: no such folder`);
  return readdirSync(classFolder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !entry.name.startsWith("_"))
    .map((entry) => {
      const folder = join(classFolder, entry.name);
      const notebooks = readdirSync(folder)
        .filter((name) => name.endsWith(".ipynb"))
        .sort()
        .map((name) => join(folder, name));
      return { student: entry.name, folder, notebooks };
    })
    .sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

/** FNV-1a of the name: the shard a student belongs to does not depend on who else is in the class. */
export function shardOf(student: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(student, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return (hash % count) + 1;
}

export interface ClassOptions {
  classFolder: string;
  parallel?: number;
  shard?: { index: number; count: number };
  seedCount?: number;
  seeds?: number[];
  timeoutMs?: number;
  print?: (line: string) => void;
  /** The parent guard (signals): every student's check registers with it. */
  guard?: CheckGuard;
  /** false: the students' kernels run as root, unsandboxed (--no-sandbox). */
  sandbox?: boolean;
  /** Lab prefixes start with this (2 letters, default random): worker w uses `<base><w>-`. */
  prefixBase?: string;
}

export interface ClassResult {
  grades: Grade[];
  wallMs: number;
  parallel: number;
}

/** Runs `count` workers over `items`; each gets a worker number (its lab). */
async function pool<T>(items: readonly T[], count: number, work: (item: T, worker: number) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, items.length) }, async (_, worker) => {
      while (next < items.length && !stop()) await work(items[next++], worker);
    }),
  );
}

export async function gradeClass(options: ClassOptions): Promise<ClassResult> {
  const print = options.print ?? (() => {});
  const started = Date.now();
  const parallel = options.parallel ?? cpus().length;
  if (parallel > 9) throw new UsageError("--parallel: at most 9 labs at once (lab prefixes are one digit per worker)");
  const all = findSubmissions(options.classFolder);
  const mine = options.shard ? all.filter((s) => shardOf(s.student, options.shard!.count) === options.shard!.index) : all;
  const base = options.prefixBase ?? `g${randomBytes(1).toString("hex")}`;
  const guard = options.guard ?? new CheckGuard();
  // tslab compiles only under the server's folder: each submission is copied into the project.
  const stage = mkdtempSync(join(projectRoot, ".grading-"));
  guard.add("the copies of the submissions", () => rmSync(stage, { recursive: true, force: true }));
  const grades: Grade[] = [];
  if (options.sandbox !== false) {
    const probe = probeSandbox();
    print(probe.ok ? describeSandbox(DEFAULT_LIMITS, probe.cgroups) : `no sandbox: ${probe.reason}`);
  } else print("no sandbox (--no-sandbox): the students' kernels run as root");
  print(`grading ${mine.length} of ${all.length} submissions${options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : ""} in ${options.classFolder}, ${Math.min(parallel, mine.length)} at once`);
  let done = 0;
  try {
    await pool(
      mine,
      parallel,
      async (submission, worker) => {
        const prefix = `${base}${worker}-`;
        const t0 = Date.now();
        print(`  started ${submission.student} (lab ${prefix})`);
        const copy = join(stage, submission.student);
        cpSync(submission.folder, copy, { recursive: true });
        const notebooks = submission.notebooks.map((nb) => join(copy, relative(submission.folder, nb)));
        let grade: Grade | null = null;
        // A submission the machine failed (a kernel or the server did not start: not the
        // student's doing) is tried once more before it is reported as not gradable.
        for (let attempt = 1; grade === null; attempt++) {
          const own = new CheckGuard();
          const release = guard.add(`${submission.student}'s check`, () => own.close());
          try {
            const result = await checkExercise({ notebooks, prefix, seedCount: options.seedCount, seeds: options.seeds, timeoutMs: options.timeoutMs, guard: own, sandbox: options.sandbox });
            grade = gradeOf(submission.student, result, Date.now() - t0);
          } catch (err) {
            if (guard.aborted || err instanceof CheckInterruptedError) return;
            const code = (err as { code?: string }).code ?? "";
            if (attempt === 1 && /^ERR_(KERNEL|JUPYTER)_/.test(code)) {
              print(`  ${submission.student}: ${(err as Error).message}: trying once more`);
              continue;
            }
            grade = { student: submission.student, protocol: "?", verdicts: [], score: 0, seeds: [], seconds: (Date.now() - t0) / 1000, error: (err as Error).message.split(copy).join(submission.folder), result: null };
          } finally {
            await release();
          }
        }
        grades.push(grade);
        done += 1;
        const verdict = grade.error ? `could not run: ${grade.error.split("\n")[0]}` : `${grade.verdicts.filter((v) => v.passed).length}/${grade.verdicts.length} requirements`;
        print(`[${done}/${mine.length}] ${submission.student}: ${grade.protocol.toUpperCase()} ${verdict}, ${grade.seconds.toFixed(1)} s`);
      },
      () => guard.aborted,
    );
  } finally {
    if (!options.guard) await guard.close(print);
  }
  // Fewer grades than submissions: a signal stopped the pool.
  if (grades.length < mine.length) throw new CheckInterruptedError("the grading was interrupted");
  grades.sort((a, b) => (a.student < b.student ? -1 : 1));
  return { grades, wallMs: Date.now() - started, parallel };
}

export function gradeOf(student: string, result: ExerciseResult, ms: number): Grade {
  return {
    student,
    protocol: result.variant,
    verdicts: result.verdicts.map((v) => ({ requirement: v.requirement, passed: v.passed })),
    score: result.verdicts.filter((v) => v.passed).length,
    seeds: result.seeds,
    seconds: ms / 1000,
    error: null,
    result,
  };
}
