// The grading step of the students' GitHub Classroom workflow (templates/classroom/classroom.yml):
//   sudo node dist/src/grader/classroom/grade.js --udp|--tcp [--seeds N] [--timeout S] [--points D,P,N] [<juliet.ipynb> <romeo.ipynb>]
// grades the student's pair (default: notebooks/03-balcony-<udp|tcp>-{juliet,romeo}.ipynb of the
// repository) in the lab, prints each requirement's feedback, and writes for the workflow:
//   - the step output `result` ($GITHUB_OUTPUT): the grader actions' base64 JSON, which
//     autograding-grading-reporter reads as BALCONY_RESULTS and reports to Classroom as points;
//   - the job summary ($GITHUB_STEP_SUMMARY): the grade and each requirement's feedback.
// Exit status 0 whenever a result was written (passing or not: the reporter fails the job and
// shows why), 2 for a command line it does not understand.
import { appendFileSync } from "node:fs";
import { join, relative } from "node:path";
import { projectRoot } from "../../common/paths";
import { SocketsError, UsageError } from "../../common/errors";
import { checkExercise } from "../check";
import { CheckGuard, closeGuardOnSignals } from "../check-guard";
import { loadPair } from "../exercise-pair";
import { formatFeedback, feedbackOf } from "../feedback";
import { probePrivilege } from "../privilege";
import { DEFAULT_POINTS, type Points } from "../gradescope/results";
import { encodeResult, errorRunnerResult, gradedRunnerResult, summaryMarkdown, type RunnerResult } from "./result";

export interface ClassroomOptions {
  protocol?: "udp" | "tcp";
  notebooks?: [string, string];
  seeds: number;
  timeoutSeconds: number;
  points: Points;
}

const usage = "usage: grade.js --udp|--tcp [--seeds N] [--timeout SECONDS] [--points D,P,N] [<juliet notebook> <romeo notebook>]";

export function parseClassroomArgs(args: readonly string[]): ClassroomOptions {
  const options: ClassroomOptions = { seeds: 3, timeoutSeconds: 20, points: { ...DEFAULT_POINTS } };
  const files: string[] = [];
  const whole = (i: number) => {
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${args[i]} needs a whole number above 0, got ${JSON.stringify(args[i + 1] ?? "")}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--udp" || arg === "--tcp") options.protocol = arg.slice(2) as "udp" | "tcp";
    else if (arg === "--seeds") options.seeds = whole(i++);
    else if (arg === "--timeout") options.timeoutSeconds = whole(i++);
    else if (arg === "--points") {
      const parts = String(args[++i] ?? "").split(",").map(Number);
      if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0)) throw new UsageError("--points needs three numbers (delivered, printed, no cell failed), e.g. 6,2,2");
      options.points = { delivered: parts[0], printed: parts[1], no_cell_failed: parts[2] };
    } else if (!arg.startsWith("--")) files.push(arg);
    else throw new UsageError(`unknown option ${arg}\n${usage}`);
  }
  if (files.length === 2) options.notebooks = [files[0], files[1]];
  else if (files.length) throw new UsageError(`give both notebooks or none\n${usage}`);
  else if (!options.protocol) throw new UsageError(`--udp or --tcp: which exercise (its notebooks are notebooks/03-balcony-<udp|tcp>-juliet.ipynb and -romeo.ipynb)\n${usage}`);
  return options;
}

/** Grades; returns the result to report (never throws for what a student or the machine did). */
export async function gradeForClassroom(options: ClassroomOptions, guard: CheckGuard, print: (line: string) => void): Promise<RunnerResult> {
  const notebooks = options.notebooks ?? (["juliet", "romeo"].map((host) => join("notebooks", `03-balcony-${options.protocol}-${host}.ipynb`)) as [string, string]);
  const names = { juliet: notebooks[0], romeo: notebooks[1] };
  try {
    loadPair(notebooks.map((nb) => join(projectRoot, nb)), projectRoot);
    const privilege = await probePrivilege("gh-");
    if (!privilege.namespaces) return errorRunnerResult(`${privilege.reason}: the workflow runs the grader with sudo (GitHub's hosted Ubuntu runners allow it)`, options.points);
    const result = await checkExercise({
      notebooks: notebooks.map((nb) => join(projectRoot, nb)),
      variant: options.protocol,
      seedCount: options.seeds,
      timeoutMs: options.timeoutSeconds * 1000,
      prefix: process.env.SOCKETS_LAB_PREFIX || "gh-",
      guard,
      print,
    });
    const feedback = { names: { juliet: relative(projectRoot, join(projectRoot, names.juliet)), romeo: relative(projectRoot, join(projectRoot, names.romeo)) }, timeoutMs: options.timeoutSeconds * 1000 };
    for (const f of feedbackOf(result, feedback)) print(`\n${formatFeedback(f)}`);
    return gradedRunnerResult(result, { points: options.points, feedback, filenames: names });
  } catch (err) {
    const message = err instanceof SocketsError ? err.message : `the grader failed: ${(err as Error).stack ?? String(err)}`;
    return errorRunnerResult(message, options.points);
  }
}

if (require.main === module) {
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  let options: ClassroomOptions;
  try {
    options = parseClassroomArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`classroom: ${(err as Error).message}`);
    process.exit(2);
  }
  const guard = new CheckGuard();
  closeGuardOnSignals(guard);
  const print = (line: string) => console.log(line);
  gradeForClassroom(options, guard, print).then(async (result) => {
    await guard.close(print);
    const total = result.tests.reduce((acc, t) => acc + t.score, 0);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `result=${encodeResult(result)}\n`);
    if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, summaryMarkdown(result, "Balcony exercise") + "\n");
    if (result.status === "error") console.log(`\nnot graded: ${result.tests[0].message}`);
    console.log(`\nbalcony exercise: ${total}/${result.max_score} points (${result.status})`);
    process.exit(0);
  });
}
