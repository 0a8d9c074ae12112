// The platforms' formats without a lab: Gradescope's results.json flow check (it refuses what
// the published format refuses), the results written when nothing is graded, GitHub Classroom's
// runner result as autograding-grading-reporter reads it, finding a submission's notebooks in an
// upload, and merging a class's shards (what it refuses). Runs in well under a second.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkResults, ungradedResults, DEFAULT_POINTS } from "../src/grader/gradescope/results";
import { encodeResult, errorRunnerResult, readAsReporter, summaryMarkdown } from "../src/grader/classroom/result";
import { findSubmission } from "../src/grader/submission-files";
import { GRADES_FORMAT, MergeError, mergeShards, writeMerged, type GradesFile } from "../src/grader/merge";
import { SubmissionError } from "../src/grader/check-errors";
import type { Grade } from "../src/grader/grade-report";
import { parseArgs } from "../src/grader/cli-args";
import { UsageError } from "../src/common/errors";
import { projectRoot } from "./support/lab-fixture";

const solutions = join(projectRoot, "notebooks", "solutions");

test("results.json flow check: Gradescope's format accepted, its violations named", () => {
  const ok = ungradedResults({ kind: "submission", message: "found no notebook", found: "(nothing)" }, 1200);
  assert.deepEqual(checkResults(ok), []);
  assert.equal(ok.score, 0);
  assert.deepEqual(ok.tests.map((t) => t.max_score), [0, 1, 1, 1]);
  assert.equal(ok.tests[0].status, "failed");
  assert.deepEqual(checkResults({ score: 1 }), []); // a top-level score alone is a valid file
  assert.deepEqual(checkResults([]), ["results.json must hold a JSON object"]);
  assert.deepEqual(checkResults({ tests: [{ name: "x" }] }), ["tests[0]: score is required (there is no top-level score)"]);
  assert.deepEqual(checkResults({ output: "x" }), ["a top-level score is required when there are no tests"]);
  assert.deepEqual(checkResults({ score: 1, tests: [{ score: 1, status: "ok" }] }), ['tests[0]: status must be "passed" or "failed"']);
  assert.deepEqual(checkResults({ score: 1, visibility: "public", grade: 3 }), ['unknown top-level key "grade"', "visibility must be one of hidden, after_due_date, after_published, visible"]);
  assert.deepEqual(checkResults({ score: Number.NaN }), ["score must be a number"]);
  assert.deepEqual(checkResults({ score: 0, tests: [{ score: 0, output_format: "pdf", tags: [1] }] }), ["tests[0]: output_format must be one of text, html, simple_format, md, ansi", "tests[0]: tags must be strings"]);
});

test("a container without the lab's privilege scores nothing it did not check, and says so per requirement", () => {
  const results = ungradedResults({ kind: "unprivileged", message: "the grader runs as uid 1000, not root", found: "Found: a.ipynb" }, 0, { delivered: 6, printed: 2, no_cell_failed: 2 });
  assert.deepEqual(checkResults(results), []);
  assert.deepEqual(results.tests.slice(1).map((t) => [t.score, t.max_score, t.status, / \(not checked here\)$/.test(t.name)]), [[0, 6, "failed", true], [0, 2, "failed", true], [0, 2, "failed", true]]);
  assert.match(results.output, /^NOT CHECKED: the grader runs as uid 1000/);
  assert.equal(results.tests[0].status, "passed"); // the notebooks themselves were fine
});

test("GitHub Classroom: the reporter reads our base64 result, totals it, and fails the job on error", () => {
  const result = errorRunnerResult("notebooks/03-balcony-udp-juliet.ipynb: no such file", { delivered: 6, printed: 2, no_cell_failed: 2 });
  const view = readAsReporter({ BALCONY_RESULTS: encodeResult(result) }, "balcony");
  assert.equal(view.points, "Points 0/10");
  assert.equal(view.jobFails, true);
  assert.match(view.lines[0], /^❌ the whole dialogue is delivered in both directions, byte for byte\nError: Not graded: notebooks\/03-balcony-udp-juliet\.ipynb: no such file$/);
  assert.throws(() => readAsReporter({}, "balcony"), /no BALCONY_RESULTS/);
  assert.throws(() => readAsReporter({ BALCONY_RESULTS: Buffer.from(JSON.stringify({ tests: [], status: "pass" })).toString("base64") }, "balcony"), /max_score must be a number/);
  assert.throws(() => readAsReporter({ BALCONY_RESULTS: "not base64!" }, "balcony"), /not base64/);
  assert.match(summaryMarkdown(result, "Balcony exercise"), /^## Balcony exercise: 0\/10 points\n/);
});

test("a submission's two notebooks are found by their kernels, whatever their names; wrong uploads are named", () => {
  const dir = mkdtempSync(join(tmpdir(), "submission-"));
  try {
    // Two notebooks in a zip's folder, with names of the student's choosing.
    mkdirSync(join(dir, "ok", "my work"), { recursive: true });
    copyFileSync(join(solutions, "03-balcony-udp-romeo.ipynb"), join(dir, "ok", "my work", "a.ipynb"));
    copyFileSync(join(solutions, "03-balcony-udp-juliet.ipynb"), join(dir, "ok", "my work", "b.ipynb"));
    const found = findSubmission(join(dir, "ok"));
    assert.deepEqual(found.notebooks, [join(dir, "ok", "my work", "b.ipynb"), join(dir, "ok", "my work", "a.ipynb")]);
    assert.match(found.listing, /Graded: my work\/b\.ipynb \(juliet\) and my work\/a\.ipynb \(romeo\)/);
    // A wrong file name: the notebook saved as .txt.
    mkdirSync(join(dir, "txt"));
    copyFileSync(join(solutions, "03-balcony-udp-romeo.ipynb"), join(dir, "txt", "03-balcony-udp-romeo.ipynb"));
    copyFileSync(join(solutions, "03-balcony-udp-juliet.ipynb"), join(dir, "txt", "03-balcony-udp-juliet.ipynb.txt"));
    assert.throws(() => findSubmission(join(dir, "txt")), (err: Error) => err instanceof SubmissionError && err.code === "ERR_SUBMISSION_MISSING" && /found only one notebook \(03-balcony-udp-romeo\.ipynb\); expected two notebooks: juliet's/.test(err.message) && /03-balcony-udp-juliet\.ipynb\.txt is not a notebook file \(\.ipynb\)/.test(err.message));
    mkdirSync(join(dir, "empty"));
    assert.throws(() => findSubmission(join(dir, "empty")), /found no notebook \(\.ipynb\).*\n[\s\S]*\(nothing\)/);
    // A whole project: the balcony pair on the lab's kernels is chosen among many notebooks.
    mkdirSync(join(dir, "repo", "notebooks"), { recursive: true });
    for (const name of ["00-basics-juliet.ipynb", "00-basics-romeo.ipynb"]) copyFileSync(join(projectRoot, "notebooks", name), join(dir, "repo", "notebooks", name));
    for (const name of ["03-balcony-tcp-juliet.ipynb", "03-balcony-tcp-romeo.ipynb"]) copyFileSync(join(solutions, name), join(dir, "repo", "notebooks", name));
    assert.deepEqual(findSubmission(join(dir, "repo")).notebooks.map((p) => p.slice(dir.length)), ["/repo/notebooks/03-balcony-tcp-juliet.ipynb", "/repo/notebooks/03-balcony-tcp-romeo.ipynb"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Grades without runs (what a submission that could not be checked gets): the merge needs no more.
const grade = (student: string, score: number): Grade => ({ student, protocol: "?", verdicts: [], score, seeds: [], seconds: 1, error: `could not run (${score})`, result: null });
const shard = (index: number, count: number, grades: Grade[]): GradesFile => ({ format: GRADES_FORMAT, class: "class", shard: { index, count }, grades });

test("shards merge into one grades.csv and report; a missing, doubled or foreign shard is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "merge-"));
  try {
    const put = (name: string, file: GradesFile) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, `grades-shard-${file.shard!.index}-of-${file.shard!.count}.json`), JSON.stringify(file));
      return join(dir, name);
    };
    const one = put("shard-1", shard(1, 2, [grade("zoe", -1), grade("al", 3)]));
    const two = put("shard-2", shard(2, 2, [grade("bo", 1)]));
    const merged = mergeShards([two, one]);
    assert.deepEqual(merged.grades.map((g) => g.student), ["al", "bo", "zoe"]);
    writeMerged(merged, join(dir, "out"));
    const csv = readFileSync(join(dir, "out", "grades.csv"), "utf8").trim().split("\n");
    assert.deepEqual(csv.map((row) => row.split(",")[0]), ["student", "al", "bo", "zoe"]);
    assert.match(readFileSync(join(dir, "out", "report.html"), "utf8"), /<title>balcony exercise: class \(2 shards merged\)<\/title>/);
    const code = (fn: () => unknown) => assert.throws(fn, (err: Error) => err instanceof MergeError && /^ERR_MERGE_/.test(err.code) && (console.log(`${err.code}: ${err.message}`), true));
    code(() => mergeShards([one]));
    assert.throws(() => mergeShards([one]), /shard 2\/2 missing \(did that job fail\?\)/);
    assert.throws(() => mergeShards([one, put("again", shard(1, 2, [grade("cy", 1)])), two]), /shard 1\/2 given twice/);
    assert.throws(() => mergeShards([one, put("three", shard(2, 3, []))]), /different splits/);
    assert.throws(() => mergeShards([one, put("dup", shard(2, 2, [grade("al", 1)]))]), /al is graded in shard 1 and in shard 2/);
    assert.throws(() => mergeShards([join(dir, "nowhere")]), /no such file or folder/);
    assert.throws(() => mergeShards([]), /needs the shards' folders/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("check-exercise --merge takes the shards' folders and needs --out", () => {
  assert.deepEqual(parseArgs(["--merge", "shard-1/", "shard-2/", "--out", "grades/"]).merge, ["shard-1/", "shard-2/"]);
  assert.throws(() => parseArgs(["--merge", "shard-1/"]), (err: Error) => err instanceof UsageError && /--merge needs --out FOLDER/.test(err.message));
  assert.throws(() => parseArgs(["--merge", "--out", "g"]), /--merge needs the shards' folders/);
  assert.throws(() => parseArgs(["--merge", "a", "--class", "c", "--out", "g"]), /give only their folders and --out/);
});
