// impairLink / clearLink as a notebook cell calls them: on the host the kernel runs on (here a
// lab host, root inside its namespace), with its words, and a bad argument as one Python line.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { spawnSync } from "node:child_process";
import { impairLink, ValueError } from "@sockets-typescript/notebook";
import { needsRoot, testLab, nodeInHost, projectRoot } from "./support/lab-fixture";
import { measureLink, traces } from "./support/impair-fixture";

const lab = testLab("ni-");

for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, () => {
    spawnSync(process.execPath, ["dist/src/lab/cli.js", "down"], { cwd: projectRoot, env: { ...process.env, SOCKETS_LAB_PREFIX: "ni-" } });
    process.exit(128 + (sig === "SIGTERM" ? 15 : 2));
  });
}
before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

test("a bad argument is a ValueError line, said before anything is changed", async () => {
  await assert.rejects(impairLink({ loss: 2 }), (err: unknown) => {
    assert.ok(err instanceof ValueError);
    assert.equal((err as ValueError).code, "ERR_NOTEBOOK_VALUE");
    assert.equal(inspect(err), "ValueError: loss must be a fraction from 0 to 1 (0.2 = 20%), not 2");
    return true;
  });
  await assert.rejects(impairLink({ loss: 0.2, delay: 50 } as never), { message: 'unknown impairment "delay" (known: loss, delayMs, jitterMs, duplicate, reorder, seed, direction)' });
});

test("on romeo: impairLink says what is in force and what the machine supports; the LAN loses and delays; clearLink undoes it", { skip: needsRoot }, async () => {
  const cell = `const nb = require("@sockets-typescript/notebook");
    (async () => {
      await nb.impairLink({ loss: 0.2, delayMs: 50, seed: 21 });
      console.log("STATE " + await nb.linkState());
    })().catch((e) => { console.log(String(e)); process.exit(1); });`;
  const r = nodeInHost(lab, "romeo", cell);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^loss 20%, delay 50ms, seed 21 on lan0 by (the userspace stage \(NFQUEUE\)|the kernel's netem)$/m);
  assert.match(r.stdout, /^this machine: (a userspace stage \(no netem here\)|the kernel's netem); supports loss, delay, jitter, duplicate, reorder/m);
  assert.match(r.stdout, /^STATE loss 20%, delay 50ms, seed 21 /m);
  const m = await measureLink(lab, "romeo", "juliet");
  console.log(`# from a cell: loss ${(m.loss * 100).toFixed(1)}%, delay ${m.medianDelayMs.toFixed(1)} ms`);
  assert.ok(Math.abs(m.loss - 0.2) <= 0.05 && Math.abs(m.medianDelayMs - 50) <= 10);
  const cleared = nodeInHost(lab, "romeo", `require("@sockets-typescript/notebook").clearLink()`);
  assert.equal(cleared.stdout, "no impairment on this host\n", cleared.stderr);
  assert.deepEqual(traces(lab, "romeo"), []);
});
