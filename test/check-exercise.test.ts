// The exercise checker in the lab: the reference solutions pass every requirement (over UDP
// although the LAN really loses a datagram each way); deliberately broken pairs fail, for the
// right reason. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { checkExercise, type ExerciseResult } from "../src/runner/check-exercise";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rnx-";
const lab = testLab(prefix);
const solutions = join(projectRoot, "notebooks", "solutions");
const fixtures = join(projectRoot, "test", "fixtures");
const pair = (dir: string, name: string) => ({ juliet: join(dir, `${name}-juliet.ipynb`), romeo: join(dir, `${name}-romeo.ipynb`) });
const verdict = (result: ExerciseResult, n: number) => result.verdicts[n];
const output = (result: ExerciseResult) => result.entries.map((e) => e.stdout).join("");

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

test("the UDP reference solution meets every requirement although the LAN loses the first datagram of line 4 and of line 10", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...pair(solutions, "03-balcony-udp"), prefix });
  assert.equal(result.variant, "udp");
  assert.deepEqual(result.lost, [4, 10]);
  assert.deepEqual(result.verdicts.map((v) => v.passed), [true, true, true], JSON.stringify(result.verdicts, null, 1));
  // The loss was real: the filter dropped one datagram of each line, and the solution sent it again.
  const dropped = result.arrivals.filter((a) => a.dropped > 0).map((a) => [a.line.seq, a.dropped]);
  assert.deepEqual(dropped, [[4, 1], [10, 1]]);
  assert.match(output(result), /^no ACK for line 4 within 0\.2 s: sending it again \(send 2\)$/m);
  assert.match(output(result), /^no ACK for line 10 within 0\.2 s: sending it again \(send 2\)$/m);
});

test("the TCP reference solution meets every requirement", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...pair(solutions, "03-balcony-tcp"), prefix });
  assert.equal(result.variant, "tcp");
  assert.deepEqual(result.verdicts.map((v) => v.passed), [true, true, true], JSON.stringify(result.verdicts, null, 1));
  assert.ok(result.arrivals.every((a) => a.packets > 0 && a.dropped === 0));
});

test("a TCP pair that does not frame its lines fails delivery: romeo's eight lines reach juliet run together", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...pair(fixtures, "balcony-tcp-unframed"), prefix });
  assert.equal(result.variant, "tcp");
  assert.equal(verdict(result, 0).passed, false);
  assert.match(verdict(result, 0).details.join("\n"), /juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 run together as one/);
  assert.equal(verdict(result, 1).passed, false);
  assert.equal(verdict(result, 2).passed, true, "nothing failed: the pair did not notice");
  // The bytes did cross the LAN; what is wrong is how they were cut into lines.
  assert.ok(result.arrivals.every((a) => a.packets > 0));
});

test("a UDP pair without recovery loses line 4 and line 10 without noticing, and fails delivery", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...pair(fixtures, "balcony-udp-unreliable"), prefix });
  assert.equal(result.variant, "udp");
  assert.deepEqual(verdict(result, 0).details, [
    "juliet never showed line 4 from romeo",
    "romeo never showed line 10 from juliet",
    "no packet carrying line 4 reached juliet over the LAN",
    "no packet carrying line 10 reached romeo over the LAN",
  ]);
  assert.equal(verdict(result, 2).passed, true, "no cell failed: the loss went unnoticed");
  assert.match(output(result), /7 lines from romeo/);
});

test("the same UDP pair passes when the LAN loses nothing (--no-loss): the failure above comes from the loss", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...pair(fixtures, "balcony-udp-unreliable"), prefix, loss: false });
  assert.deepEqual(result.lost, []);
  assert.deepEqual(result.verdicts.map((v) => v.passed), [true, true, true], JSON.stringify(result.verdicts, null, 1));
});

for (const variant of ["udp", "tcp"] as const) {
  test(`the ${variant.toUpperCase()} starter notebooks run without error as handed out, and the checker finds nothing delivered`, { skip: needsRoot }, async () => {
    const result = await checkExercise({ ...pair(join(projectRoot, "notebooks"), `03-balcony-${variant}`), prefix });
    assert.equal(result.variant, variant);
    assert.deepEqual(result.verdicts.map((v) => v.passed), [false, false, true], JSON.stringify(result.verdicts, null, 1));
    assert.match(verdict(result, 0).details[0], /juliet never showed lines 1, 2, 3, 4, 5, 6, 7 and 8 from romeo/);
    assert.match(output(result), /this kernel runs on juliet/);
  });
}

test("npm run check-exercise prints PASS/FAIL per requirement and exits 1 when one fails", { skip: needsRoot }, () => {
  const files = pair(fixtures, "balcony-tcp-unframed");
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "check-exercise.js"), files.juliet, files.romeo, "--tcp"], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: prefix },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^FAIL  the whole dialogue is delivered in both directions, byte for byte$/m);
  assert.match(result.stdout, /^PASS  no cell failed$/m);
  assert.match(result.stdout, /2 of 3 requirements FAILED/);
  const usage = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "check-exercise.js"), files.juliet], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: npm run check-exercise -- <juliet notebook> <romeo notebook>/);
});
