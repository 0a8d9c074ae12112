// The standalone balcony solutions run on the two lab hosts with one command each
// (juliet first), and each host reports the dialogue intact. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rns-";
const lab = testLab(prefix);

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

/** Runs `node dist/notebooks/solutions/<program> <host>` inside host; resolves with its exit status and output. */
function runOn(host: HostName, program: string): Promise<{ status: number | null; output: string }> {
  const [cmd, ...args] = lab.hostArgv(host, [process.execPath, join("dist", "notebooks", "solutions", program), host]);
  const child = spawn(cmd, args, { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) => child.on("exit", (status) => (clearTimeout(timer), resolve({ status, output }))));
}

for (const program of ["balcony-tcp.js", "balcony-udp.js"]) {
  test(`${program}: juliet and romeo exchange the whole dialogue, one command on each host`, { skip: needsRoot }, async () => {
    const juliet = runOn("juliet", program);
    await new Promise((resolve) => setTimeout(resolve, 300)); // juliet first, as the instructions say
    const romeo = await runOn("romeo", program);
    const julietDone = await juliet;
    assert.equal(julietDone.status, 0, julietDone.output);
    assert.equal(romeo.status, 0, romeo.output);
    assert.match(julietDone.output, /dialogue intact: all 8 lines from romeo arrived/);
    assert.match(romeo.output, /dialogue intact: all 4 lines from juliet arrived/);
    assert.match(julietDone.output, /^received: She speaks:$/m);
    assert.match(romeo.output, /^sent: She speaks:$/m);
  });
}
