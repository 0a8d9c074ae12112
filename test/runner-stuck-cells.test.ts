// Cells that go wrong in the kernel, not in the socket calls: one that never ends (a receive
// nobody answers) is interrupted after the runner's timeout and the kernel goes on; one that
// kills the kernel is reported, and the host's later cells are not run. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabSession } from "../src/session/lab-session";
import { readNotebook } from "../src/session/notebook";
import { runPair } from "../src/runner/run-pair";
import { schedule } from "../src/session/schedule";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rni-";
const lab = testLab(prefix);
const dir = join(projectRoot, "dist", "test-scratch-timeout");

function notebook(host: string, cells: { code: string; tags?: string[] }[]): string {
  const file = join(dir, `t-${host}.ipynb`);
  const nb = {
    cells: cells.map(({ code, tags }) => ({ cell_type: "code", execution_count: null, metadata: tags ? { tags } : {}, outputs: [], source: [code] })),
    metadata: { kernelspec: { name: `ts-${host}`, display_name: `TypeScript on ${host}`, language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 4,
  };
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

before(async () => {
  if (needsRoot) return;
  mkdirSync(dir, { recursive: true });
  await lab.up();
});
after(async () => {
  if (needsRoot) return;
  await lab.down();
  rmSync(dir, { recursive: true, force: true });
});

test("a receive that waits forever is interrupted with SIGINT and the kernel runs the next cell", { skip: needsRoot }, async () => {
  const juliet = notebook("juliet", [
    { code: 'import * as socket from "@sockets-typescript/socket";\nconst sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nsock.bind(["10.10.0.101", 4000]);' },
    { code: "await sock.recvfrom(1024);", tags: ["step-B1"] },
    { code: 'console.log("still here", sock.getsockname());', tags: ["step-B2"] },
  ]);
  const romeo = notebook("romeo", [{ code: 'console.log("romeo idle");' }]);
  const session = await LabSession.open({ root: projectRoot, prefix });
  try {
    const pair = await session.startPair([readNotebook(juliet), readNotebook(romeo)]);
    try {
      const entries = await runPair(schedule([readNotebook(juliet), readNotebook(romeo)]), pair.kernels, { timeoutMs: 1500 });
      const [waiting, next] = entries.filter((e) => e.host === "juliet" && e.step !== "setup");
      const seen = JSON.stringify(entries, null, 1);
      assert.equal(waiting.status, "timeout", seen);
      // tslab rejects the cell itself ("Interrupted asynchronously") before the socket module's KeyboardInterrupt shows.
      assert.match(waiting.stderr, /KeyboardInterrupt|Error: Interrupted asynchronously/, seen);
      assert.match(waiting.stderr, /no reply within 1\.5 s; interrupted the kernel\)/, seen);
      assert.equal(next.status, "ok", seen);
      assert.match(next.stdout, /still here \('10\.10\.0\.101', 4000\)/, seen);
    } finally {
      await pair.stop();
    }
  } finally {
    await session.close();
  }
});

test("a cell that kills its kernel is reported as such, and that host's later cells are not run", { skip: needsRoot }, async () => {
  const juliet = notebook("juliet", [{ code: 'console.log("juliet up");' }, { code: "process.exit(3);", tags: ["step-B1"] }, { code: 'console.log("after");', tags: ["step-B2"] }]);
  const romeo = notebook("romeo", [{ code: 'console.log("romeo up");' }, { code: 'console.log("romeo goes on");', tags: ["step-B3"] }]);
  const session = await LabSession.open({ root: projectRoot, prefix });
  try {
    const pair = await session.startPair([readNotebook(juliet), readNotebook(romeo)]);
    try {
      const entries = await runPair(schedule([readNotebook(juliet), readNotebook(romeo)]), pair.kernels, { timeoutMs: 10_000 });
      const seen = JSON.stringify(entries, null, 1);
      const [died, after] = entries.filter((e) => e.host === "juliet" && e.step !== "setup");
      assert.equal(died.status, "error", seen);
      assert.match(died.stderr, /\(runner: the kernel died during this cell/, seen);
      assert.equal(after.status, "error", seen);
      assert.match(after.stderr, /not run, the kernel died at an earlier cell/, seen);
      assert.match(entries.find((e) => e.step === "B3")?.stdout ?? "", /romeo goes on/, seen);
    } finally {
      await pair.stop();
    }
  } finally {
    await session.close();
  }
});
