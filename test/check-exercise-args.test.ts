// The checker's command line, the submission checks made before any lab exists, the seeded
// networks and the class grading's bookkeeping (shards, grades.csv). No lab needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "../src/grader/cli-args";
import { UsageError } from "../src/common/errors";
import { detectProtocol, loadPair, SubmissionError } from "../src/grader/exercise-pair";
import { describePlan, planFor } from "../src/grader/adversary";
import { findSubmissions, shardOf } from "../src/grader/class-grading";
import { gradesCsv, CSV_COLUMNS, type Grade } from "../src/grader/grade-report";
import { projectRoot } from "./support/lab-fixture";

const solutions = join(projectRoot, "notebooks", "solutions");
const nb = (name: string) => join(solutions, name);

test("the two notebooks may come in either order: the kernelspec says which host", () => {
  const a = loadPair([nb("03-balcony-udp-romeo.ipynb"), nb("03-balcony-udp-juliet.ipynb")], projectRoot);
  assert.deepEqual(a.map((n) => n.host), ["juliet", "romeo"]);
  assert.equal(detectProtocol(a), "udp");
  assert.equal(detectProtocol(loadPair([nb("03-balcony-tcp-juliet.ipynb"), nb("03-balcony-tcp-romeo.ipynb")], projectRoot)), "tcp");
});

test("wrong paths and kernels are named before anything is set up, with the kernel to choose", () => {
  const dir = mkdtempSync(join(projectRoot, ".test-pair-"));
  try {
    const romeo = JSON.parse(readFileSync(nb("03-balcony-udp-romeo.ipynb"), "utf8"));
    // juliet's notebook saved with romeo's kernel
    writeFileSync(join(dir, "balcony-juliet.ipynb"), JSON.stringify(romeo));
    copyFileSync(nb("03-balcony-udp-romeo.ipynb"), join(dir, "balcony-romeo.ipynb"));
    assert.throws(() => loadPair([join(dir, "balcony-juliet.ipynb"), join(dir, "balcony-romeo.ipynb")], projectRoot), (err: Error) => {
      assert.ok(err instanceof SubmissionError);
      assert.equal((err as SubmissionError).code, "ERR_SUBMISSION_KERNEL");
      assert.match(err.message, /^both notebooks use the kernel ts-romeo: .*balcony-juliet\.ipynb must run on juliet: choose the kernel "TypeScript on juliet" \(ts-juliet\) in it and save$/);
      return true;
    });
    const python = { ...romeo, metadata: { kernelspec: { name: "python3", display_name: "Python 3" } } };
    writeFileSync(join(dir, "balcony-juliet.ipynb"), JSON.stringify(python));
    assert.throws(() => loadPair([join(dir, "balcony-juliet.ipynb"), join(dir, "balcony-romeo.ipynb")], projectRoot), {
      message: `${join(dir, "balcony-juliet.ipynb")}: its kernel is "Python 3", which runs on no host of the lab: choose the kernel "TypeScript on juliet" (ts-juliet) (Kernel > Change kernel) and save`,
    });
    assert.throws(() => loadPair([join(dir, "nope.ipynb"), join(dir, "balcony-romeo.ipynb")], projectRoot), { message: `${join(dir, "nope.ipynb")}: no such file` });
    assert.throws(() => loadPair(["/tmp", join(dir, "balcony-romeo.ipynb")], projectRoot), { message: "/tmp: a folder, not a notebook" });
    assert.throws(() => loadPair([join(dir, "balcony-romeo.ipynb")], projectRoot), { message: "a submission is two notebooks (juliet's and romeo's), got 1" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the command line: seeds to replay, counts, class options; bad values say what is needed", () => {
  assert.deepEqual(parseArgs(["a.ipynb", "b.ipynb", "--seed", "12,34"]).seeds, [12, 34]);
  assert.equal(parseArgs(["a.ipynb", "b.ipynb", "--seeds", "5"]).seedCount, 5);
  assert.deepEqual(parseArgs(["--class", "c", "--shard", "2/3", "--parallel", "2"]).shard, { index: 2, count: 3 });
  assert.throws(() => parseArgs(["--class", "c", "--shard", "4/3"]), { message: '--shard needs I/N with 1 <= I <= N, got "4/3"' });
  assert.throws(() => parseArgs(["a.ipynb", "b.ipynb", "--seed", "x"]), { message: '--seed needs a whole number above 0, got "x"' });
  assert.throws(() => parseArgs(["a.ipynb", "b.ipynb", "--seed"]), /--seed needs a seed/);
  assert.throws(() => parseArgs(["a.ipynb"]), (err: unknown) => err instanceof UsageError && err.code === "ERR_USAGE" && err.message.startsWith("usage: npm run check-exercise"));
  assert.throws(() => parseArgs(["--class", "c", "a.ipynb"]), /--class grades a folder: give no notebooks with it/);
});

test("a seed always gives the same network, and the network is printed with it", () => {
  assert.deepEqual(planFor(4242), planFor(4242));
  assert.notDeepEqual(planFor(4242), planFor(4243));
  const plan = planFor(4242);
  assert.ok(plan.loss >= 0.1 && plan.loss <= 0.3);
  assert.match(describePlan(plan), /^loses \d+ %, duplicates \d+ %, reorders \d+ % of the datagrams each way, delay \d+ ms$/);
});

test("shards split a class deterministically: every student in exactly one shard, whoever else is in the class", () => {
  const students = Array.from({ length: 40 }, (_, i) => `student-${i}`);
  const shards = students.map((s) => shardOf(s, 3));
  assert.ok(shards.every((s) => s >= 1 && s <= 3));
  assert.deepEqual(new Set(shards), new Set([1, 2, 3]));
  assert.deepEqual(students.map((s) => shardOf(s, 3)), shards);
  assert.equal(shardOf("alice", 1), 1);
});

test("a class folder: one sub-folder per student, hidden and _ folders skipped; grades.csv quotes what needs it", () => {
  const dir = mkdtempSync(join(projectRoot, ".test-class-"));
  try {
    for (const name of ["bob", "alice", ".ipynb_checkpoints", "_grades"]) {
      const student = join(dir, name);
      require("node:fs").mkdirSync(student);
      writeFileSync(join(student, "x-juliet.ipynb"), "{}");
    }
    assert.deepEqual(findSubmissions(dir).map((s) => s.student), ["alice", "bob"]);
    assert.throws(() => findSubmissions(join(dir, "nobody")), /no such folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const grade: Grade = { student: 'o"brien, j', protocol: "udp", verdicts: [{ requirement: "the whole dialogue is delivered in both directions, byte for byte", passed: false }], score: 0, seeds: [1, 2], seconds: 12.34, error: null, result: null };
  const csv = gradesCsv([grade]).split("\n");
  assert.equal(csv[0], CSV_COLUMNS.join(","));
  assert.equal(csv[1], '"o""brien, j",udp,FAIL,ERROR,ERROR,0/3,1 2,12.3,');
});

test("a kernel pair that does not start in time is started once more, with the first attempt's diagnosis printed; a second timeout, or another error, fails as before", async () => {
  const { startKernels } = await import("../src/grader/check");
  const { CheckGuard } = await import("../src/grader/check-guard");
  const { KernelStartError } = await import("../src/common/errors");
  const pair = { kernels: {}, startMs: 1, stop: async () => {} };
  // A stand-in for the LabSession (a kernel that hangs cannot be made on purpose): its startPair fails as given.
  const sessionFailing = (...errors: Error[]) => ({ calls: 0, async startPair() { const err = errors[this.calls++]; if (err) throw err; return pair; } });
  const timeout = new KernelStartError("ERR_KERNEL_TIMEOUT", "ts-juliet did not start within 60 s (kernel k: status starting, websocket connecting); the Jupyter server's last lines:\nline one");
  const lines: string[] = [];
  const once = sessionFailing(timeout);
  assert.equal(await startKernels(once as never, [], null, new CheckGuard(), (l) => lines.push(l)), pair);
  assert.equal(once.calls, 2);
  assert.match(lines.join("\n"), /ts-juliet did not start within 60 s \(kernel k: status starting[^]*\n   line one\n   starting the kernels once more/);
  const twice = sessionFailing(timeout, timeout);
  await assert.rejects(startKernels(twice as never, [], null, new CheckGuard(), () => {}), (err: Error) => err === timeout);
  assert.equal(twice.calls, 2);
  const other = new KernelStartError("ERR_KERNEL_NOT_STARTED", "the server started no kernel");
  const notRetried = sessionFailing(other);
  await assert.rejects(startKernels(notRetried as never, [], null, new CheckGuard(), () => {}), (err: Error) => err === other);
  assert.equal(notRetried.calls, 1);
});
