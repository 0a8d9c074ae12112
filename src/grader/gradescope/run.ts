// What run_autograder runs on Gradescope: grades /autograder/submission/ and writes
// /autograder/results/results.json, always. The file is written before anything else (a grader
// killed outright still leaves a "did not finish" file; run_autograder rewrites that one with the
// exit status), and again with the grade, or with the reason there is none: a submission that is
// not two notebooks on the lab's kernels, the grader failing, the deadline (before Gradescope's
// own timeout kills the container), SIGTERM. Where the container cannot make the lab (no root,
// or root without CAP_SYS_ADMIN / CAP_NET_ADMIN), no requirement is run and each says so.
//   node dist/src/grader/gradescope/run.js [--autograder DIR]     (DIR: $AUTOGRADER_ROOT or /autograder)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { projectRoot } from "../../common/paths";
import { SocketsError, UsageError } from "../../common/errors";
import { checkExercise, type ExerciseResult } from "../check";
import { CheckGuard } from "../check-guard";
import { loadPair, detectProtocol, type Protocol } from "../exercise-pair";
import { SubmissionError } from "../check-errors";
import { findSubmission } from "../submission-files";
import { probePrivilege } from "../privilege";
import { DEFAULT_POINTS, checkResults, gradedResults, ungradedResults, type GradescopeResults, type Points } from "./results";

/** The bundle's settings (gradescope.json in the project, written by the bundle builder). */
export interface GradescopeConfig {
  points: Points;
  /** UDP: network seeds per submission (fresh ones for each). */
  seeds: number;
  /** UDP: the same seeds for every submission instead (every student on the same networks). */
  seedList?: number[];
  /** Per cell. */
  timeoutSeconds: number;
  /** The whole grade: past it the check is stopped and results.json says so (keep it under Gradescope's timeout). */
  deadlineSeconds: number;
  /** The exercise the assignment asks for; a submission of the other one is not graded. Default: told by the notebooks. */
  protocol?: Protocol;
}

export const DEFAULT_CONFIG: GradescopeConfig = { points: DEFAULT_POINTS, seeds: 3, timeoutSeconds: 20, deadlineSeconds: 540 };
export const CONFIG_FILE = "gradescope.json";

/** The bundle's gradescope.json ($GRADER_CONFIG names another, e.g. for a rehearsal). */
export function readConfig(file = process.env.GRADER_CONFIG || join(projectRoot, CONFIG_FILE)): GradescopeConfig {
  if (!existsSync(file)) return DEFAULT_CONFIG;
  const given = JSON.parse(readFileSync(file, "utf8")) as Partial<GradescopeConfig>;
  return { ...DEFAULT_CONFIG, ...given, points: { ...DEFAULT_POINTS, ...(given.points ?? {}) } };
}

/** Writes results.json whole or not at all (a reader never sees half a file). */
export function writeResults(file: string, results: GradescopeResults): void {
  const problems = checkResults(results);
  if (problems.length) throw new Error(`results.json would not follow Gradescope's format: ${problems.join("; ")}`);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(`${file}.partial`, JSON.stringify(results, null, 2) + "\n");
  renameSync(`${file}.partial`, file);
}

export interface GradeOptions {
  /** Stands in for /autograder. */
  autograder: string;
  config?: GradescopeConfig;
  /** Lab namespace prefix (a container grades one submission: any short one). */
  prefix?: string;
  print?: (line: string) => void;
  /** Stops the grade (SIGTERM, the deadline). */
  guard?: CheckGuard;
}

/** Grades the submission; never throws: every ending is a results.json. Returns what it wrote. */
export async function gradeSubmission(options: GradeOptions): Promise<GradescopeResults> {
  const started = Date.now();
  const config = options.config ?? readConfig();
  const print = options.print ?? (() => {});
  const resultsFile = join(options.autograder, "results", "results.json");
  const submission = join(options.autograder, "submission");
  const guard = options.guard ?? new CheckGuard();
  let found = "(the submission was not read yet)";
  let deadlineHit = false;
  const deadline = setTimeout(() => {
    deadlineHit = true;
    print(`deadline: ${config.deadlineSeconds} s passed; stopping the check`);
    void guard.close(print);
  }, config.deadlineSeconds * 1000);
  let results: GradescopeResults;
  try {
    writeResults(resultsFile, ungradedResults({ kind: "grader", message: "the grader did not finish (it was stopped before it could write the grade)", found }, 0, config.points));
    const sub = findSubmission(submission);
    found = sub.listing;
    print(found);
    // Kernels and protocol are checked before anything is set up: a wrong kernel costs nothing.
    const pair = loadPair(sub.notebooks, sub.folder);
    const protocol = config.protocol ?? detectProtocol(pair);
    if (config.protocol && detectProtocol(pair) !== config.protocol) {
      throw new SubmissionError("ERR_SUBMISSION_PROTOCOL", `this assignment is the ${config.protocol.toUpperCase()} exercise, and these notebooks are the ${detectProtocol(pair).toUpperCase()} one (their code creates ${detectProtocol(pair) === "udp" ? "SOCK_DGRAM" : "SOCK_STREAM"} sockets)`);
    }
    const privilege = await probePrivilege(options.prefix ?? "gs-");
    print(`privilege: ${privilege.reason}`);
    if (!privilege.namespaces) {
      results = ungradedResults(
        {
          kind: "unprivileged",
          message:
            `${privilege.reason}. The requirements are checked only in the lab (two network namespaces joined by a veth, a packet filter counting and losing datagrams): ` +
            `none was run, none is passed. Your notebooks were found and read (test 0). Your instructor can grade them where the lab can be made ` +
            `(the course's Gradescope autograder with that privilege, GitHub Classroom, or: npm run check-exercise -- ${relative(submission, sub.notebooks[0])} ${relative(submission, sub.notebooks[1])}).`,
          found,
        },
        Date.now() - started,
        config.points,
      );
    } else {
      results = await gradeInLab(sub.notebooks, sub.folder, submission, protocol, config, options, guard, found, started);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (deadlineHit) results = ungradedResults({ kind: "deadline", message: `the grade took longer than the autograder's ${config.deadlineSeconds} s (a cell that never ends? a receive that waits for ever?)`, found }, Date.now() - started, config.points);
    else if (guard.signalled) results = ungradedResults({ kind: "grader", message: "the autograder was stopped (SIGTERM) before the grade was complete", found }, Date.now() - started, config.points);
    else if (err instanceof SubmissionError || (err instanceof SocketsError && /^ERR_(SUBMISSION|NOTEBOOK)_/.test(err.code))) results = ungradedResults({ kind: "submission", message, found }, Date.now() - started, config.points);
    else {
      print(`grader failure: ${err instanceof Error ? (err.stack ?? message) : message}`);
      results = ungradedResults({ kind: "grader", message: `${err instanceof SocketsError ? `${err.code}: ` : ""}${message.split("\n")[0]}`, found }, Date.now() - started, config.points);
    }
  } finally {
    clearTimeout(deadline);
  }
  writeResults(resultsFile, results);
  return results;
}

async function gradeInLab(notebooks: [string, string], folder: string, submission: string, variant: Protocol, config: GradescopeConfig, options: GradeOptions, guard: CheckGuard, found: string, started: number): Promise<GradescopeResults> {
  const print = options.print ?? (() => {});
  // tslab compiles only under the Jupyter server's folder: the submission is copied into the project.
  const stage = mkdtempSync(join(projectRoot, ".grading-gs-"));
  const release = guard.add("the copy of the submission", () => rmSync(stage, { recursive: true, force: true }));
  try {
    cpSync(folder, stage, { recursive: true });
    const copies = notebooks.map((nb) => join(stage, relative(folder, nb)));
    const result: ExerciseResult = await checkExercise({
      notebooks: copies,
      variant,
      seedCount: config.seeds,
      seeds: config.seedList,
      timeoutMs: config.timeoutSeconds * 1000,
      prefix: options.prefix ?? "gs-",
      root: projectRoot,
      guard,
      print,
    });
    return gradedResults({
      result,
      found,
      points: config.points,
      feedback: { names: { juliet: relative(submission, notebooks[0]), romeo: relative(submission, notebooks[1]) }, timeoutMs: config.timeoutSeconds * 1000 },
      executionMs: Date.now() - started,
      mode: `the lab (two network namespaces joined by a veth, as root); ${result.sandbox}`,
    });
  } finally {
    await release();
  }
}

function parseArgs(args: readonly string[]): { autograder: string } {
  let autograder = process.env.AUTOGRADER_ROOT || "/autograder";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--autograder" && args[i + 1]) autograder = args[++i];
    else throw new UsageError(`unknown argument ${args[i]}; usage: run.js [--autograder DIR]`);
  }
  return { autograder };
}

if (require.main === module) {
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  const guard = new CheckGuard();
  const say = (line: string) => console.log(line);
  process.on("SIGTERM", () => {
    guard.signalled = true;
    say("SIGTERM: stopping the check");
    void guard.close(say);
  });
  process.on("SIGINT", () => {
    guard.signalled = true;
    void guard.close(say);
  });
  let options: { autograder: string };
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`gradescope: ${(err as Error).message}`);
    process.exit(2);
  }
  gradeSubmission({ autograder: options.autograder, guard, print: say, prefix: process.env.SOCKETS_LAB_PREFIX || "gs-" })
    .then(async (results) => {
      await guard.close(say);
      const max = results.tests.reduce((sum, t) => sum + t.max_score, 0);
      say(`results.json: ${results.score}/${max} points, ${results.execution_time} s`);
      process.exit(0);
    })
    .catch((err: Error) => {
      // Only writing results.json itself can fail here: run_autograder writes its own then.
      console.error(`gradescope: could not write results.json: ${err.stack ?? err.message}`);
      process.exit(1);
    });
}
