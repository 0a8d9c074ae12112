// Gradescope's results.json (its autograder specification, "Output format"): one test per
// requirement with score, max_score, status ("passed" / "failed"), name and the feedback as its
// output, the execution time, and a top-level output. Also the file written when nothing could be
// graded (a wrong file, the grader failing, the deadline), and the requirements that could not be
// checked in a container without the privilege the lab needs: those score 0 and say why, never
// pass. checkResults() is the flow check of the published format: what Gradescope reads, typed.
import type { ExerciseResult } from "../check";
import { REQUIREMENT_KEYS, feedbackOf, formatFeedback, reproduceCommand, type FeedbackOptions, type RequirementKey } from "../feedback";

export type Visibility = "hidden" | "after_due_date" | "after_published" | "visible";
export const VISIBILITIES: readonly Visibility[] = ["hidden", "after_due_date", "after_published", "visible"];
export const OUTPUT_FORMATS = ["text", "html", "simple_format", "md", "ansi"] as const;

export interface GradescopeTest {
  name: string;
  number?: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  output_format?: (typeof OUTPUT_FORMATS)[number];
  tags?: string[];
  visibility?: Visibility;
  extra_data?: Record<string, unknown>;
}

export interface GradescopeResults {
  score?: number;
  execution_time: number;
  output: string;
  output_format?: (typeof OUTPUT_FORMATS)[number];
  visibility?: Visibility;
  stdout_visibility?: Visibility;
  extra_data?: Record<string, unknown>;
  tests: GradescopeTest[];
}

/** Points per requirement (the bundle's gradescope.json may change them). */
export type Points = Record<RequirementKey, number>;
export const DEFAULT_POINTS: Points = { delivered: 1, printed: 1, no_cell_failed: 1 };

/** Gradescope shows an output in a <pre>; a flooding submission must not make the file huge. */
export const MAX_OUTPUT_CHARS = 20_000;
const cap = (text: string) => (text.length > MAX_OUTPUT_CHARS ? `${text.slice(0, MAX_OUTPUT_CHARS - 60)}\n... (${text.length - MAX_OUTPUT_CHARS + 60} more characters cut)` : text);

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** The submission's own test (0 points): which notebooks were found and how they were read. */
function submissionTest(passed: boolean, output: string): GradescopeTest {
  return { name: "0. the submission: juliet's and romeo's notebooks", number: "0", score: 0, max_score: 0, status: passed ? "passed" : "failed", output: cap(output), output_format: "text" };
}

export interface GradedRun {
  result: ExerciseResult;
  /** What was found in the submission (file names as submitted). */
  found: string;
  points?: Points;
  feedback?: FeedbackOptions;
  executionMs: number;
  /** How the lab was made ("the lab's network namespaces, as root" ...): said in the output. */
  mode: string;
}

export function gradedResults(run: GradedRun): GradescopeResults {
  const points = run.points ?? DEFAULT_POINTS;
  const feedback = feedbackOf(run.result, run.feedback);
  const tests = feedback.map((f, i): GradescopeTest => ({
    name: `${i + 1}. ${f.requirement}`,
    number: String(i + 1),
    score: f.passed ? points[f.key] : 0,
    max_score: points[f.key],
    status: f.passed ? "passed" : "failed",
    output: cap(formatFeedback(f)),
    output_format: "text",
    tags: [run.result.variant, f.key],
  }));
  const score = tests.reduce((sum, t) => sum + t.score, 0);
  const max = tests.reduce((sum, t) => sum + t.max_score, 0);
  const met = feedback.filter((f) => f.passed).length;
  const seeds = run.result.seeds.length ? `network seeds ${run.result.seeds.join(", ")}` : "";
  return {
    score,
    execution_time: seconds(run.executionMs),
    output: [
      `Balcony exercise over ${run.result.variant.toUpperCase()}: ${met} of ${feedback.length} requirements met (${score}/${max} points).`,
      `Runs: ${run.result.cases.map((c) => `${c.name} (${(c.wallMs / 1000).toFixed(1)} s)`).join(", ")}${seeds ? `; ${seeds}` : ""}.`,
      `Graded in ${run.mode}.`,
      `Replay these runs on your machine: ${reproduceCommand(run.result, run.feedback)}`,
    ].filter(Boolean).join("\n"),
    output_format: "text",
    stdout_visibility: "hidden",
    extra_data: { variant: run.result.variant, seeds: run.result.seeds, requirements_met: met },
    tests: [submissionTest(true, run.found), ...tests],
  };
}

export type Ungraded =
  /** The submission cannot be graded as it is (wrong files, kernels): the student can fix it. */
  | { kind: "submission"; message: string; found: string }
  /** The grader itself failed (not the student's doing). */
  | { kind: "grader"; message: string; found: string }
  /** The grade did not finish in the autograder's time. */
  | { kind: "deadline"; message: string; found: string }
  /** This container cannot make the lab (no privilege): nothing is passed that was not checked. */
  | { kind: "unprivileged"; message: string; found: string };

export function ungradedResults(why: Ungraded, executionMs: number, points: Points = DEFAULT_POINTS): GradescopeResults {
  const reason = {
    submission: `Not graded: ${why.message}\nFix the submission and submit again.`,
    grader: `Not graded: the grader failed (not your submission's doing): ${why.message}\nYour instructor sees this in the autograder's log; submit again or ask them.`,
    deadline: `Not graded: ${why.message}`,
    unprivileged: `NOT CHECKED: ${why.message}`,
  }[why.kind];
  const tests = REQUIREMENT_KEYS.map(({ key, requirement }, i): GradescopeTest => ({
    name: `${i + 1}. ${requirement}${why.kind === "unprivileged" ? " (not checked here)" : ""}`,
    number: String(i + 1),
    score: 0,
    max_score: points[key],
    status: "failed",
    output: cap(reason),
    output_format: "text",
    tags: [key, why.kind === "unprivileged" ? "not-checked" : "not-graded"],
  }));
  return {
    score: 0,
    execution_time: seconds(executionMs),
    output: cap(reason),
    output_format: "text",
    stdout_visibility: "hidden",
    extra_data: { not_graded: why.kind },
    tests: [submissionTest(why.kind !== "submission", why.found), ...tests],
  };
}

const TOP_KEYS = new Set(["score", "execution_time", "output", "output_format", "test_output_format", "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"]);
const TEST_KEYS = new Set(["score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags", "visibility", "extra_data"]);

const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);

/**
 * What is wrong with `value` as a results.json by Gradescope's published format (empty: nothing).
 * Checked: the keys it defines and their types, the enumerations (status, visibility, output
 * formats), a score on the top level or on every test, numbers that are finite, and that the
 * file parses back as the same JSON.
 */
export function checkResults(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["results.json must hold a JSON object"];
  const top = value as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!TOP_KEYS.has(key)) problems.push(`unknown top-level key ${JSON.stringify(key)}`);
  if (top.score !== undefined && !isNumber(top.score)) problems.push("score must be a number");
  if (top.execution_time !== undefined && !isNumber(top.execution_time)) problems.push("execution_time must be a number (seconds)");
  for (const key of ["output"]) if (top[key] !== undefined && typeof top[key] !== "string") problems.push(`${key} must be a string`);
  for (const key of ["output_format", "test_output_format"]) if (top[key] !== undefined && !(OUTPUT_FORMATS as readonly unknown[]).includes(top[key])) problems.push(`${key} must be one of ${OUTPUT_FORMATS.join(", ")}`);
  for (const key of ["visibility", "stdout_visibility"]) if (top[key] !== undefined && !(VISIBILITIES as readonly unknown[]).includes(top[key])) problems.push(`${key} must be one of ${VISIBILITIES.join(", ")}`);
  if (top.extra_data !== undefined && (typeof top.extra_data !== "object" || top.extra_data === null)) problems.push("extra_data must be an object");
  if (top.tests === undefined) {
    if (top.score === undefined) problems.push("a top-level score is required when there are no tests");
  } else if (!Array.isArray(top.tests)) problems.push("tests must be an array");
  else {
    top.tests.forEach((test, i) => {
      const where = `tests[${i}]`;
      if (typeof test !== "object" || test === null) return problems.push(`${where} must be an object`);
      const t = test as Record<string, unknown>;
      for (const key of Object.keys(t)) if (!TEST_KEYS.has(key)) problems.push(`${where}: unknown key ${JSON.stringify(key)}`);
      if (t.score === undefined && top.score === undefined) problems.push(`${where}: score is required (there is no top-level score)`);
      if (t.score !== undefined && !isNumber(t.score)) problems.push(`${where}: score must be a number`);
      if (t.max_score !== undefined && !isNumber(t.max_score)) problems.push(`${where}: max_score must be a number`);
      if (t.status !== undefined && t.status !== "passed" && t.status !== "failed") problems.push(`${where}: status must be "passed" or "failed"`);
      for (const key of ["name", "number", "output"]) if (t[key] !== undefined && typeof t[key] !== "string") problems.push(`${where}: ${key} must be a string`);
      if (t.output_format !== undefined && !(OUTPUT_FORMATS as readonly unknown[]).includes(t.output_format)) problems.push(`${where}: output_format must be one of ${OUTPUT_FORMATS.join(", ")}`);
      if (t.visibility !== undefined && !(VISIBILITIES as readonly unknown[]).includes(t.visibility)) problems.push(`${where}: visibility must be one of ${VISIBILITIES.join(", ")}`);
      if (t.tags !== undefined && !(Array.isArray(t.tags) && t.tags.every((tag) => typeof tag === "string"))) problems.push(`${where}: tags must be strings`);
      return undefined;
    });
  }
  try {
    if (JSON.stringify(JSON.parse(JSON.stringify(value))) !== JSON.stringify(value)) problems.push("does not survive a JSON round trip");
  } catch (err) {
    problems.push(`not JSON: ${(err as Error).message}`);
  }
  return problems;
}
