// Forced restarts of the lab's host kernel through a real jupyter_client (the venv's): Jupyter's
// restart_kernel(now=True) kills the launcher's process group with SIGKILL, at any moment. Each
// restart (idle, during a cell that blocks the event loop, during a pending recvfrom) prints no
// crash (an unhandled `read ECONNRESET` from a readline Interface was seen on Node 20), gives a
// new kernel that keeps nothing of the old one (pid, declarations, the bound port), and leaves
// no temp folder and no process behind. The SSH kernel's forced restart: testbeds-ssh-kernel.test.ts.
// ~15 s.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterVenvBin } from "../src/jupyter/server";
import { writeLabKernelspecs } from "../src/jupyter/kernelspecs";
import { untilHostsIdle } from "../src/session/lab-session";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { isRoot, projectRoot, testLab } from "./support/lab-fixture";

const lab = testLab("rs-");
const venv = jupyterVenvBin();
const skip = !isRoot ? "needs root (network namespaces)" : !venv ? "no JupyterLab venv (scripts/tools.sh jupyter)" : false;
const DRIVER_DEADLINE_MS = 150_000;
let dir = "";
if (!skip) takeLabDownOnSignal(lab, () => dir && rmSync(dir, { recursive: true, force: true }));

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "kernel-restart-test-"));
  writeLabKernelspecs(join(dir, "jupyter"), lab);
  await lab.up();
});

after(async () => {
  if (skip) return;
  await lab.down();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the driver; resolves with its JSON report (rejects with what it said, or at the deadline). */
function drive(kernel: string, stderrFile: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(venv!, "python"), [join(projectRoot, "test", "fixtures", "restart_driver.py"), kernel, stderrFile], {
      env: { ...process.env, JUPYTER_PATH: join(dir, "jupyter"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGINT"), DRIVER_DEADLINE_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").pop()!));
      else reject(new Error(`restart driver exited ${code} (deadline ${DRIVER_DEADLINE_MS} ms):\n${err}`));
    });
  });
}

test("forced restarts of juliet's kernel (idle, busy cell, pending recvfrom): no crash, a clean new kernel, nothing left", { skip, timeout: 200_000 }, async () => {
  const stderrFile = join(dir, "kernel-stderr.txt");
  const report = await drive("ts-juliet", stderrFile);
  console.log(`# ${JSON.stringify({ ready: report.ready_seconds, restarts: Object.fromEntries(Object.entries(report.restarts).map(([k, v]: [string, any]) => [k, v.seconds])) })}`);
  const kernelStderr = existsSync(stderrFile) ? readFileSync(stderrFile, "utf8") : "";
  const unexpected = kernelStderr.split("\n").filter((line) => line.trim() !== "" && !/^host-kernel: tslab started pid \d+ on juliet$/.test(line));
  assert.deepEqual(unexpected, [], `the kernel printed more than its start lines:\n${kernelStderr}`);
  assert.equal(kernelStderr.match(/tslab started/g)?.length, 4, "one start and three restarts");
  for (const moment of ["idle", "busy_cell", "pending_recvfrom"]) {
    const { before: old, after: fresh } = report.restarts[moment];
    assert.deepEqual(old.use, ["ok", "leftover 42\n"], `${moment}: the old kernel had the declaration`);
    assert.notEqual(fresh.pid, old.pid, `${moment}: a new kernel process`);
    assert.equal(fresh.port, "free", `${moment}: the old kernel's port is free in the new one`);
  }
  assert.equal(report.declaration_after_restart[1].trim(), "1:25 - Cannot find name 'leftover'.");
  assert.deepEqual(report.leftover_folders, [], "temp folders with this kernel's connection file");
  // The spare waiting for the next restart ends once its owner (the driver's jupyter_client) is gone.
  await untilHostsIdle(lab, 10_000);
  assert.deepEqual(await lab.pids("juliet"), [], "processes left in juliet");
  assert.deepEqual(await lab.pids("romeo"), [], "processes left in romeo");
});
