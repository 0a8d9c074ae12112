// GitHub Classroom's autograding result, as its grader actions hand it to
// classroom-resources/autograding-grading-reporter: a step output `result`, base64 of a JSON
// object {version, status, max_score, tests: [{name, status, score, message, ...}]}; the
// reporter reads it from the environment variable <RUNNER>_RESULTS (the runner's id in capitals),
// prints each test (pass / fail with its message), sums the tests' scores against max_score and
// writes "Points <total>/<max>" into the check run "Autograding Tests", which is where Classroom
// reads the grade. readAsReporter() is the flow check: what the reporter makes of our output.
import type { ExerciseResult } from "../check";
import { REQUIREMENT_KEYS, feedbackOf, formatFeedback, reproduceCommand, type FeedbackOptions } from "../feedback";
import { DEFAULT_POINTS, type Points } from "../gradescope/results";

export type TestStatus = "pass" | "fail" | "error";

export interface RunnerTest {
  name: string;
  status: TestStatus;
  score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
}

export interface RunnerResult {
  version: 1;
  status: TestStatus;
  max_score: number;
  tests: RunnerTest[];
}

/** A step output value must be one line: the JSON in base64, as the grader actions write it. */
export const encodeResult = (result: RunnerResult): string => Buffer.from(JSON.stringify(result), "utf8").toString("base64");

/** The reporter shows the message under a failed test in the job log; long ones stay readable. */
const MAX_MESSAGE = 8000;
const cap = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 40)}\n... (cut; see the job summary)` : text);

export function gradedRunnerResult(result: ExerciseResult, options: { points?: Points; feedback?: FeedbackOptions; filenames?: { juliet: string; romeo: string } } = {}): RunnerResult {
  const points = options.points ?? DEFAULT_POINTS;
  const feedback = feedbackOf(result, options.feedback);
  const per = result.cases.length ? result.wallMs / 1000 / feedback.length : 0;
  const tests = feedback.map((f): RunnerTest => ({
    name: f.requirement,
    status: f.passed ? "pass" : "fail",
    score: f.passed ? points[f.key] : 0,
    message: cap(formatFeedback(f)),
    test_code: reproduceCommand(result, options.feedback),
    filename: options.filenames ? `${options.filenames.juliet} ${options.filenames.romeo}` : "",
    line_no: 0,
    duration: Math.round(per * 1000),
  }));
  return { version: 1, status: tests.every((t) => t.status === "pass") ? "pass" : "fail", max_score: sum(points), tests };
}

const sum = (points: Points) => REQUIREMENT_KEYS.reduce((total, { key }) => total + points[key], 0);

/** Nothing could be graded: every requirement an error with the reason (the reporter fails the job and shows it). */
export function errorRunnerResult(message: string, points: Points = DEFAULT_POINTS): RunnerResult {
  return {
    version: 1,
    status: "error",
    max_score: sum(points),
    tests: REQUIREMENT_KEYS.map(({ requirement }) => ({ name: requirement, status: "error", score: 0, message: cap(`Not graded: ${message}`), test_code: "", filename: "", line_no: 0, duration: 0 })),
  };
}

export interface ReporterView {
  /** What the reporter's summary line says and writes into the check run ("Points 3/3"). */
  points: string;
  total: number;
  max: number;
  /** Per test: ✅ name, or ❌ name and its message. */
  lines: string[];
  /** The reporter fails the job when a runner's status is fail or error. */
  jobFails: boolean;
}

/**
 * Reads `<RUNNER>_RESULTS` for each runner the way autograding-grading-reporter does (comma-
 * separated runner ids, base64 JSON; the check run's total = the tests' scores summed, its max =
 * each runner's max_score); throws where the reporter would.
 */
export function readAsReporter(env: Readonly<Record<string, string | undefined>>, runners: string): ReporterView {
  let total = 0;
  let max = 0;
  const lines: string[] = [];
  let jobFails = false;
  for (const runner of runners.split(",").map((r) => r.trim())) {
    const encoded = env[`${runner.toUpperCase()}_RESULTS`];
    if (!encoded) throw new Error(`the reporter finds no ${runner.toUpperCase()}_RESULTS in its environment (runner ${runner})`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error(`${runner.toUpperCase()}_RESULTS is not base64`);
    const results = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Partial<RunnerResult>;
    if (!Array.isArray(results.tests)) throw new Error(`${runner}: the result has no tests array`);
    if (!["pass", "fail", "error"].includes(String(results.status))) throw new Error(`${runner}: status must be pass, fail or error, got ${JSON.stringify(results.status)}`);
    if (typeof results.max_score !== "number") throw new Error(`${runner}: max_score must be a number (the reporter skips a runner without it, and Classroom gets no points)`);
    for (const test of results.tests) {
      if (typeof test.name !== "string" || !["pass", "fail", "error"].includes(test.status) || typeof test.score !== "number") throw new Error(`${runner}: a test needs a name, a status (pass/fail/error) and a numeric score: ${JSON.stringify(test).slice(0, 200)}`);
      lines.push(test.status === "pass" ? `✅ ${test.name}` : `❌ ${test.name}\nError: ${test.message || `Failed to run test '${test.name}'`}`);
    }
    if (results.max_score) {
      max += results.max_score;
      total += results.tests.reduce((acc, test) => acc + test.score, 0);
    }
    if (results.status === "fail" || results.status === "error") jobFails = true;
  }
  return { points: `Points ${total}/${max}`, total, max, lines, jobFails };
}

/** The job summary (GITHUB_STEP_SUMMARY): the grade and each requirement's feedback, in Markdown. */
export function summaryMarkdown(result: RunnerResult, title: string): string {
  const total = result.tests.reduce((acc, t) => acc + t.score, 0);
  const fence = (text: string) => "```text\n" + text.replace(/```/g, "'''") + "\n```";
  return [
    `## ${title}: ${total}/${result.max_score} points`,
    "",
    "| requirement | result | points |",
    "| --- | --- | --- |",
    ...result.tests.map((t) => `| ${t.name.replace(/\|/g, "\\|")} | ${t.status === "pass" ? "✅ pass" : t.status === "fail" ? "❌ fail" : "⚠️ not graded"} | ${t.score} |`),
    "",
    ...result.tests.flatMap((t) => [`### ${t.status === "pass" ? "✅" : "❌"} ${t.name}`, "", fence(t.message), ""]),
  ].join("\n");
}
