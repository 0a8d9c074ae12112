// The walkthrough notebooks run end to end in the lab by the headless runner, on real kernels
// inside the hosts; a notebook that deviates makes the runner fail at that step. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runWalkthrough } from "../src/runner/walkthrough";
import { namespaces, needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rnw-";
const lab = testLab(prefix);
const scratch = join(projectRoot, "dist", "test-scratch");

before(async () => {
  if (needsRoot) return;
  await lab.down();
  mkdirSync(scratch, { recursive: true });
});
after(async () => {
  if (needsRoot) return;
  await lab.down();
  rmSync(scratch, { recursive: true, force: true });
});

test("npm run walkthrough runs UDP and TCP on both hosts, prints the transcript, passes every step, and takes down the lab it brought up", { skip: needsRoot }, () => {
  const json = join(scratch, "walkthrough.json");
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "walkthrough.js"), "all", "--json", json], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: prefix },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stdout.slice(-3000) + result.stderr);
  assert.match(result.stdout, /walkthrough passed: UDP 14 cells, TCP 19 cells, every step as expected/);
  // The transcript: host, step, code, output, with progress.
  assert.match(result.stdout, /\[ 6\/14\] juliet U3 .*\(fails on purpose\)\n  \| sock2\.bind\(\[JULIET, ports\.juliet\]\);\n  ! OSError: \[Errno 98\] Address already in use/);
  assert.match(result.stdout, /romeo  T4 .*\n(  \|.*\n)+  ! ConnectionRefusedError: \[Errno 111\] Connection refused/);
  assert.match(result.stdout, /this kernel runs on juliet \(10\.10\.0\.101 on lan0\)/);
  assert.match(result.stdout, /this kernel runs on romeo \(10\.10\.0\.100 on lan0\)/);
  const report = JSON.parse(readFileSync(json, "utf8"));
  assert.equal(report.passed, true);
  assert.deepEqual(report.parts.map((p: { part: string; entries: unknown[] }) => [p.part, p.entries.length]), [["udp", 14], ["tcp", 19]]);
  const u9 = report.parts[0].entries.find((e: { step: string }) => e.step === "U9");
  assert.equal(u9.host, "romeo");
  assert.match(u9.stdout, /received b'O Romeo, Romeo, wherefore art thou Romeo\?' from \('10\.10\.0\.101', 4000\)/);
  // The views' text fallbacks are in the JSON: U5's wire view shows romeo's ICMP port unreachable.
  const u5 = report.parts[0].entries.find((e: { step: string }) => e.step === "U5");
  assert.match(u5.stdout, /romeo -> juliet  ICMP port unreachable \(about UDP juliet:4000 -> romeo:5000\)/);
  assert.equal(u5.views.length, 1);
  assert.match(u5.views[0], /^wire on juliet \(lan0\): 2 packets since the previous view:/);
  assert.ok(!namespaces().some((ns) => ns.startsWith(prefix)), "the lab it brought up is down again");
});

test("a notebook whose step deviates fails the run naming that step; a lab that was up stays up", { skip: needsRoot }, async () => {
  const dir = mkdtempSync(join(scratch, "notebooks-"));
  for (const host of ["juliet", "romeo"]) copyFileSync(join(projectRoot, "notebooks", `01-udp-${host}.ipynb`), join(dir, `01-udp-${host}.ipynb`));
  const juliet = join(dir, "01-udp-juliet.ipynb");
  // U8 answers with a shorter line: sendto returns 8, and romeo receives something else.
  writeFileSync(juliet, readFileSync(juliet, "utf8").replace("O Romeo, Romeo, wherefore art thou Romeo?", "O Romeo!"));
  await lab.up();
  const lines: string[] = [];
  const result = await runWalkthrough({ parts: ["udp"], notebookDir: dir, prefix, print: (line) => lines.push(line) });
  assert.equal(result.passed, false);
  assert.match(result.firstDeviation ?? "", /^U8 on juliet: expected sendto returned 41/);
  assert.ok(result.parts[0].deviations.some((d) => d.step === "U9" && d.host === "romeo"));
  assert.ok(lines.some((line) => line.includes("sendto returned 8")));
  assert.equal(await lab.isUp(), true, "the runner leaves a lab it did not bring up");
});
