// Grading a class folder of 6 submissions (right and wrong, UDP and TCP, one that cannot run)
// with `check-exercise --class`, two at once: grades.csv and report.html checked. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needsRoot, namespaces, projectRoot } from "./support/lab-fixture";

const solutions = join(projectRoot, "notebooks", "solutions");
const fixtures = join(projectRoot, "test", "fixtures");
let dir = "";

/** student -> files to copy (from, to name) */
const students: Record<string, [string, string][]> = {
  "ada-udp": [[join(solutions, "03-balcony-udp-juliet.ipynb"), "juliet.ipynb"], [join(solutions, "03-balcony-udp-romeo.ipynb"), "romeo.ipynb"]],
  "ben-tcp": [[join(solutions, "03-balcony-tcp-juliet.ipynb"), "a.ipynb"], [join(solutions, "03-balcony-tcp-romeo.ipynb"), "b.ipynb"]],
  "cy-norecv": [[join(fixtures, "balcony-tcp-norecv-juliet.ipynb"), "juliet.ipynb"], [join(fixtures, "balcony-tcp-norecv-romeo.ipynb"), "romeo.ipynb"]],
  "di-twice": [[join(fixtures, "balcony-udp-twice-juliet.ipynb"), "one.ipynb"], [join(fixtures, "balcony-udp-twice-romeo.ipynb"), "two.ipynb"]],
  "ed-unframed": [[join(fixtures, "balcony-tcp-unframed-tagged-juliet.ipynb"), "juliet.ipynb"], [join(fixtures, "balcony-tcp-unframed-tagged-romeo.ipynb"), "romeo.ipynb"]],
  // romeo's notebook twice: cannot be graded, says why
  "flo-twokernels": [[join(solutions, "03-balcony-udp-romeo.ipynb"), "juliet.ipynb"], [join(solutions, "03-balcony-udp-romeo.ipynb"), "romeo.ipynb"]],
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "class-"));
  for (const [student, files] of Object.entries(students)) {
    mkdirSync(join(dir, "class", student), { recursive: true });
    for (const [from, to] of files) copyFileSync(from, join(dir, "class", student, to));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("--class grades 6 submissions two at once: grades.csv and report.html say who passed what, and why not", { skip: needsRoot }, () => {
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), "--class", join(dir, "class"), "--parallel", "2", "--seeds", "1", "--timeout", "6", "--out", join(dir, "out")], {
    cwd: projectRoot,
    // Its labs are gcl0- and gcl1-: other labs on this machine (other developers' tests) are not this test's.
    env: { ...process.env, SOCKETS_LAB_PREFIX: "gcl" },
    encoding: "utf8",
    timeout: 420_000,
  });
  // 1: one submission could not be graded (it is in the CSV, with the reason).
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^grading 6 of 6 submissions in .*class, 2 at once$/m);
  assert.match(result.stdout, /^\[6\/6\] /m);
  assert.match(result.stdout, /^graded 6 submissions in [\d.]+ s \([\d.]+ per minute, 2 at once\)$/m);
  const rows = readFileSync(join(dir, "out", "grades.csv"), "utf8").trim().split("\n");
  assert.equal(rows[0], "student,protocol,delivered,printed,no_cell_failed,score,seeds,seconds,error");
  const byStudent = Object.fromEntries(rows.slice(1).map((row) => [row.split(",")[0], row]));
  assert.deepEqual(Object.keys(byStudent), Object.keys(students));
  assert.match(byStudent["ada-udp"], /^ada-udp,udp,PASS,PASS,PASS,3\/3,\d+,[\d.]+,$/);
  assert.match(byStudent["ben-tcp"], /^ben-tcp,tcp,PASS,PASS,PASS,3\/3,,[\d.]+,$/);
  assert.match(byStudent["cy-norecv"], /^cy-norecv,tcp,FAIL,FAIL,PASS,1\/3,,/);
  assert.match(byStudent["di-twice"], /^di-twice,udp,FAIL,FAIL,PASS,1\/3,\d+,/);
  assert.match(byStudent["ed-unframed"], /^ed-unframed,tcp,FAIL,FAIL,FAIL,0\/3,,/); // its receive loop waits for ever in bursts
  assert.match(byStudent["flo-twokernels"], /^flo-twokernels,\?,ERROR,ERROR,ERROR,0\/3,,[\d.]+,"?both notebooks use the kernel ts-romeo: .*juliet\.ipynb must run on juliet/);
  const html = readFileSync(join(dir, "out", "report.html"), "utf8");
  for (const student of Object.keys(students)) assert.ok(html.includes(`<section id="${student}">`), student);
  assert.match(html, /printed from the dialogue data, not read off the socket/);
  assert.match(html, /failing run: in bursts/);
  assert.match(html, /<th>packets arrived<\/th>/);
  // Nothing left: labs, copies of the submissions.
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith("gcl")), []);
  assert.match(result.stdout, /started ada-udp \(lab gcl[01]-\)/);
  assert.deepEqual(readdirSync(projectRoot).filter((name) => name.startsWith(".grading-")), []);
  assert.ok(existsSync(join(dir, "out", "report.html")));
});
