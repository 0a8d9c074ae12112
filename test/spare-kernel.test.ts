// The spare kernel path (src/host/spare.ts) through a real Jupyter server: the server's first
// spare becomes the first kernel, and a restart gets the spare its predecessor started, a clean
// kernel (a new process, no old declaration, the old kernel's bound port free); when the server
// stops, the spare that was never used leaves nothing (no process, no folder). That the kernels
// are the spares is seen from inside: a cell prints its host-kernel's pid (tslab's parent), which
// must be the pid the spare wrote in its folder before it was claimed. Times: npm run bench.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { notebooksDir } from "../src/common/paths";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import { spareDir } from "../src/host/spare";
import { untilHostsIdle } from "../src/session/lab-session";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { needsRoot, testLab } from "./support/lab-fixture";
import { alive } from "./support/processes";

const lab = testLab("sk-");
const PORT = 47_323; // bound by the first kernel, free in the restarted one
const WAIT_MS = 90_000;
let server: JupyterServer | undefined;
let kernels: KernelManager | undefined;
if (!needsRoot) takeLabDownOnSignal(lab);

before(async () => {
  if (needsRoot) return;
  await lab.up();
});

after(async () => {
  if (needsRoot) return;
  kernels?.dispose();
  await server?.stop();
  await lab.down();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS / 1000} s`);
    await sleep(50);
  }
}

/** The pid of juliet's spare once it takes claims (its claim socket is there): `not` is a pid it must not be. */
function readySpare(dir: string, not?: number): Promise<number> {
  return until(`spare in ${dir}`, () => {
    if (!existsSync(join(dir, "claim.sock"))) return undefined;
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    return pid !== not && pid;
  });
}

async function run(kernel: Kernel.IKernelConnection, code: string, untilPrinted?: string): Promise<{ status: string; out: string }> {
  let out = "";
  let printed = () => {};
  const seen = new Promise<void>((resolve) => (printed = resolve));
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === "stream") out += (msg.content as { text: string }).text;
    if (msg.header.msg_type === "error") out += `${(msg.content as { evalue: string }).evalue}\n`;
    if (untilPrinted && out.includes(untilPrinted)) printed();
  };
  if (untilPrinted) {
    await seen;
    return { status: "running", out };
  }
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  return { status: reply.content.status, out };
}

function untilIdle(kernel: Kernel.IKernelConnection): Promise<void> {
  return until(`idle kernel ${kernel.id}`, () => kernel.status === "idle").then(() => undefined);
}

const WHO = `console.log(JSON.stringify({ pid: process.pid, hostKernel: process.ppid }));`;
const CHECK_PORT = `import * as socket from "@sockets-typescript/socket";
const probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
let port = "free";
try { probe.bind(["0.0.0.0", ${PORT}]); } catch (err) { port = String(err); }
probe.close();
console.log(JSON.stringify({ port }));`;

test("a kernel and its restart are the waiting spares, the restart keeps nothing of the old kernel, and an unused spare leaves nothing", { skip: needsRoot, timeout: 300_000 }, async () => {
  server = await startJupyter({ notebookDir: notebooksDir, lab, spares: true });
  const owner = server.process.pid!;
  const dir = spareDir(lab.namespace("juliet"), owner, notebooksDir);
  const first = await readySpare(dir);
  kernels = new KernelManager({ serverSettings: server.settings });

  const kernel = await kernels.startNew({ name: "ts-juliet" });
  await untilIdle(kernel);
  const before = JSON.parse((await run(kernel, WHO)).out);
  assert.equal(before.hostKernel, first, "the first kernel is the server's spare");
  assert.equal((await run(kernel, "const leftover = 42;")).status, "ok");
  await run(kernel, `import * as socket from "@sockets-typescript/socket";
const waiting = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
waiting.bind(["0.0.0.0", ${PORT}]);
console.log("waiting");
await waiting.recvfrom(1024);`, "waiting");

  // The spare the claimed one started, ready: the restart must get it.
  const second = await readySpare(dir, first);
  await kernel.restart();
  await untilIdle(kernel);
  const after = JSON.parse((await run(kernel, WHO)).out);
  assert.equal(after.hostKernel, second, "the restarted kernel is the next spare");
  assert.notEqual(after.pid, before.pid, "a new tslab process");
  assert.equal(alive(before.pid), false, "the old tslab is gone");
  assert.deepEqual(JSON.parse((await run(kernel, CHECK_PORT)).out.trim().split("\n").pop()!), { port: "free" }, "the old kernel's port is free");
  // Last: in tslab 1.0.22 a cell after one with a type error loses its console output.
  const use = await run(kernel, `console.log("leftover", leftover);`);
  assert.equal(use.status, "error");
  assert.match(use.out, /Cannot find name 'leftover'/);

  // Never used: the spare the restarted kernel started. The server stops: it goes, with its folder.
  const unused = await readySpare(dir, second);
  kernels.dispose();
  kernels = undefined;
  await server.stop();
  server = undefined;
  assert.equal(alive(unused), false, "the unused spare's process");
  assert.equal(existsSync(dir), false, "the unused spare's folder");
  const ours = readdirSync(tmpdir()).filter((name) => name.startsWith(`lab-kernel-spare-${lab.prefix}`) || name.startsWith(`lab-kernel-${lab.prefix}`));
  assert.deepEqual(ours, [], "folders of this lab's kernels and spares");
  await untilHostsIdle(lab, 5000);
  assert.deepEqual([...(await lab.pids("juliet")), ...(await lab.pids("romeo"))], [], "processes left in the hosts");
});
