// The exercise checker in the lab. The references pass on every network seed and in both TCP
// passes; wrong solutions of each kind fail, with the cause named; a failing seed replays. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { checkExercise, type ExerciseResult } from "../src/grader/check";
import { needsRoot, namespaces, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rnx-";
const lab = testLab(prefix);
const solutions = join(projectRoot, "notebooks", "solutions");
const fixtures = join(projectRoot, "test", "fixtures");
const pair = (dir: string, name: string) => [join(dir, `${name}-juliet.ipynb`), join(dir, `${name}-romeo.ipynb`)];
const check = (notebooks: string[], more: Parameters<typeof checkExercise>[0] = {}) => checkExercise({ notebooks, prefix, ...more });
const details = (result: ExerciseResult, n: number) => result.verdicts[n].details.join("\n");
const passes = (result: ExerciseResult) => result.verdicts.map((v) => v.passed);
const dump = (result: ExerciseResult) => JSON.stringify(result.verdicts, null, 1);
/** A fixed seed for the wrong UDP solutions: the verdict must not depend on luck. */
const SEED = 271828;

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

const timing = (result: ExerciseResult) => result.cases.map((c) => `${c.name}: ${(c.wallMs / 1000).toFixed(1)} s`).join(", ");

test("the UDP reference solution meets every requirement on each of 3 fresh network seeds", { skip: needsRoot }, async (t) => {
  const result = await check(pair(solutions, "03-balcony-udp"));
  t.diagnostic(`UDP reference: ${timing(result)}; whole check ${(result.wallMs / 1000).toFixed(1)} s`);
  assert.equal(result.variant, "udp");
  assert.equal(result.cases.length, 3);
  assert.equal(new Set(result.seeds).size, 3);
  for (const run of result.cases) {
    assert.deepEqual(run.verdicts.map((v) => v.passed), [true, true, true], `${run.name}: ${JSON.stringify(run.verdicts, null, 1)}`);
    // The loss was real: the first 3 datagrams of line 4 and of line 10 were dropped, and resent.
    assert.deepEqual(run.arrivals.filter((a) => a.dropped > 0).map((a) => [a.line.seq, a.dropped]), [[4, 3], [10, 3]], run.name);
    const out = run.entries.map((e) => e.stdout).join("");
    assert.match(out, /^no ACK for line 4 within 0\.2 s: sending it again \(send \d+\)$/m); // how often depends on the seed: duplicates count as arrivals too
    // Each host printed the run's words: its own on send, its partner's (read off the socket) on receipt.
    assert.ok(out.includes(`received: ${run.lines.romeo[0].text}`), run.name);
  }
  assert.deepEqual(passes(result), [true, true, true]);
});

test("the TCP reference solution meets every requirement, as scheduled and in bursts", { skip: needsRoot }, async (t) => {
  const result = await check(pair(solutions, "03-balcony-tcp"));
  t.diagnostic(`TCP reference: ${timing(result)}; whole check ${(result.wallMs / 1000).toFixed(1)} s`);
  assert.equal(result.variant, "tcp");
  assert.deepEqual(result.cases.map((c) => c.name), ["as scheduled", "in bursts"]);
  assert.deepEqual(passes(result), [true, true, true], dump(result));
  // In bursts romeo's 8 lines reached juliet in fewer recv calls than lines.
  const burst = result.cases[1].entries.map((e) => e.stdout).join("");
  const calls = Number(/\(8 lines arrived in (\d+) recv calls\)/.exec(burst)?.[1]);
  assert.ok(calls < 8, burst);
});

test("a TCP receiver that never calls recv and prints the lines from the dialogue data fails, named as such", { skip: needsRoot }, async () => {
  const result = await check(pair(fixtures, "balcony-tcp-norecv"));
  assert.equal(result.passed, false);
  assert.match(details(result, 0), /juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 from romeo without this run's words: printed from the dialogue data, not read off the socket/);
});

test("a TCP receiver that reads 3 lines and prints 5 more from the data fails on exactly those 5", { skip: needsRoot }, async () => {
  const result = await check(pair(fixtures, "balcony-tcp-partial"));
  assert.equal(result.passed, false);
  assert.match(details(result, 0), /juliet showed lines 4, 5, 6, 7 and 8 from romeo without this run's words: printed from the dialogue data/);
  assert.doesNotMatch(details(result, 0), /lines 1, 2, 3, 4/);
});

test("a TCP pair without framing fails in bursts although its receive cells are tagged waits-for-peer", { skip: needsRoot }, async () => {
  // Its receive loop then waits for 7 more recv calls that never come: a short cell timeout.
  const result = await check(pair(fixtures, "balcony-tcp-unframed-tagged"), { timeoutMs: 6000 });
  assert.equal(result.passed, false);
  assert.match(details(result, 0), /\[in bursts\] juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 run together as one: .*frame the lines/);
  assert.match(details(result, 2), /\[in bursts\] juliet's cell \d+ \(step B3\) did not finish within 6 s/);
});

test("the same pair with its waits-for-peer tags removed gets the same verdict: tags do not decide", { skip: needsRoot }, async () => {
  const dir = mkdtempSync(join(projectRoot, ".test-untagged-"));
  try {
    const untagged = pair(fixtures, "balcony-tcp-unframed-tagged").map((file) => {
      const notebook = JSON.parse(readFileSync(file, "utf8"));
      for (const cell of notebook.cells) cell.metadata.tags = (cell.metadata.tags ?? []).filter((tag: string) => tag !== "waits-for-peer");
      const copy = join(dir, basename(file));
      writeFileSync(copy, JSON.stringify(notebook));
      return copy;
    });
    const result = await check(untagged, { timeoutMs: 6000 });
    assert.deepEqual(passes(result), [false, false, false], dump(result));
    assert.match(details(result, 0), /\[in bursts\] juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 run together as one/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a TCP pair without framing (receive after the sends) fails delivery: the lines run together", { skip: needsRoot }, async () => {
  const result = await check(pair(fixtures, "balcony-tcp-unframed"));
  assert.match(details(result, 0), /juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 run together as one/);
});

test("a UDP receiver that acknowledges but does not drop duplicates fails, and the replay of its seed fails the same way", { skip: needsRoot }, async () => {
  const first = await check(pair(fixtures, "balcony-udp-nodedup"), { seeds: [SEED] });
  assert.deepEqual(first.seeds, [SEED]);
  assert.equal(first.verdicts[0].passed, false);
  assert.match(details(first, 0), /more than once \(duplicated datagrams must be dropped\)/);
  const replay = await check(pair(fixtures, "balcony-udp-nodedup"), { seeds: [SEED] });
  assert.deepEqual(passes(replay), passes(first));
  const causes = (r: ExerciseResult) => r.verdicts[0].details.map((d) => d.replace(/"[^"]*"/g, "…")).sort();
  assert.deepEqual(causes(replay), causes(first), `${dump(first)}\n${dump(replay)}`);
});

test("a UDP sender that sends every line twice without acknowledgements loses line 4 and line 10", { skip: needsRoot }, async () => {
  const result = await check(pair(fixtures, "balcony-udp-twice"), { seeds: [SEED] });
  assert.match(details(result, 0), /juliet never showed line[s]? (\d+, )*4\b.* from romeo/);
  assert.match(details(result, 0), /romeo never showed line[s]? (\d+, )*10\b.* from juliet/);
  assert.match(details(result, 0), /no packet carrying line[s]? .*4.* reached juliet over the LAN/);
});

test("a UDP pair without recovery fails delivery; with --no-loss it passes (the failure comes from the loss)", { skip: needsRoot }, async () => {
  const lossy = await check(pair(fixtures, "balcony-udp-unreliable"), { seeds: [SEED] });
  assert.match(details(lossy, 0), /juliet never showed line[s]? (\d+, )*4\b/);
  const clean = await check(pair(fixtures, "balcony-udp-unreliable"), { loss: false });
  assert.deepEqual(clean.seeds, []);
  assert.deepEqual(passes(clean), [true, true, true], dump(clean));
});

test("npm run check-exercise prints PASS/FAIL per requirement, the seeds and the replay command, exits 1 when one fails", { skip: needsRoot }, () => {
  const [juliet, romeo] = pair(fixtures, "balcony-udp-twice");
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), romeo, juliet, "--seed", String(SEED)], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: prefix },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^FAIL  the whole dialogue is delivered in both directions, byte for byte$/m);
  assert.match(result.stdout, new RegExp(`^network seeds: ${SEED} \\(failed on ${SEED}\\)$`, "m"));
  assert.match(result.stdout, new RegExp(`^replay: npm run check-exercise -- .*balcony-udp-twice-juliet.ipynb .*balcony-udp-twice-romeo.ipynb --seed ${SEED}$`, "m"));
});

test("a wrong kernel or path stops the check before any lab exists (exit 2, the kernel to choose named)", { skip: needsRoot }, () => {
  const before = namespaces();
  const [, romeo] = pair(solutions, "03-balcony-udp");
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), romeo, romeo], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: "rny-" },
    encoding: "utf8",
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^check-exercise: both notebooks use the kernel ts-romeo: .* must run on juliet: choose the kernel "TypeScript on juliet" \(ts-juliet\) in it and save$/m);
  assert.deepEqual(namespaces(), before);
  const usage = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), romeo], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: npm run check-exercise -- <juliet notebook> <romeo notebook>/);
});
