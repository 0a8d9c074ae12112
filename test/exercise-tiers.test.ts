// The UDP exercise's tiers behave as the starter notebooks say: with only tier (a) written (one
// datagram per line, no acknowledgements), the dialogue arrives whole on a LAN that loses
// nothing, and a lost datagram makes its line vanish without any error at the sender (tier b).
// The finished tiers (c, d) are the reference solution, which check-exercise.test.ts runs under
// loss. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkExercise } from "../src/grader/check";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rxt-";
const lab = testLab(prefix);
const tierA = { juliet: join(projectRoot, "test", "fixtures", "balcony-udp-tier-a-juliet.ipynb"), romeo: join(projectRoot, "test", "fixtures", "balcony-udp-tier-a-romeo.ipynb") };

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

test("tier (a), send and print: every line arrives when the LAN loses nothing", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...tierA, prefix, loss: false });
  assert.deepEqual(result.verdicts.map((v) => v.passed), [true, true, true], JSON.stringify(result.verdicts, null, 1));
});

test("tier (b), the same code on a lossy LAN: lines 4 and 10 vanish, the senders never knew, the check fails naming them", { skip: needsRoot }, async () => {
  const result = await checkExercise({ ...tierA, prefix, seedCount: 1 });
  const run = result.cases[0];
  assert.ok(run.lost.includes(4) && run.lost.includes(10), `lost on purpose: ${run.lost}`);
  const [delivered, , noFailure] = run.verdicts;
  assert.equal(delivered.passed, false);
  // The adversarial LAN may lose more lines than these two (its seed decides); 4 and 10 are always among them.
  assert.ok(delivered.details.some((d) => /juliet never showed lines? [\d, and]*\b4\b[\d, and]* from romeo/.test(d)), delivered.details.join("\n"));
  assert.ok(delivered.details.some((d) => /romeo never showed lines? [\d, and]*\b10\b[\d, and]* from juliet/.test(d)), delivered.details.join("\n"));
  const output = run.entries.map((e) => e.stdout + e.stderr).join("");
  // Romeo printed his fourth line as sent: sendto gave no sign of the loss.
  assert.ok(output.includes(`sent: ${run.lines.romeo[3].text}`), output.slice(-2000));
  assert.equal(noFailure.passed, false, "step B7's checkDelivery fails the cell");
  assert.match(noFailure.details.join("\n"), /step B7\) failed: DeliveryError: /);
});
