// The per-host kernels through a real Jupyter server and client: each runs its cells inside its
// host, interrupt ends a waiting receive without losing the next datagram, restart and
// shutdown leave no process behind, and a launcher killed with SIGKILL takes its kernel along.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { KernelManager, KernelSpecManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { JULIET, ROMEO, ports, type HostName } from "@sockets-typescript/topology";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";
import { alive } from "./support/processes";

const lab = testLab("kt-");
/** A kernel test that waits longer than this has hung: fail it rather than hold CI. */
const TEST_TIMEOUT_MS = 120_000;
let server: JupyterServer;
let kernels: KernelManager;
const started: Kernel.IKernelConnection[] = [];

interface Reply { status: string; stdout: string; stderr: string; ms: number }

async function execute(kernel: Kernel.IKernelConnection, code: string, whileRunning?: (printed: (text: string) => Promise<void>) => Promise<void>): Promise<Reply> {
  const t0 = Date.now();
  let stdout = "";
  let stderr = "";
  let onOutput = () => {};
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type !== "stream") return;
    const { name, text } = msg.content as { name: string; text: string };
    if (name === "stderr") stderr += text;
    else stdout += text;
    onOutput();
  };
  /** Resolves once the cell has printed `text` (so it is past that point of its code). */
  const printed = (text: string) =>
    new Promise<void>((resolve) => {
      onOutput = () => stdout.includes(text) && resolve();
      onOutput();
    });
  if (whileRunning) await whileRunning(printed);
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  return { status: reply.content.status, stdout, stderr, ms: Date.now() - t0 };
}

async function startKernel(host: HostName): Promise<Kernel.IKernelConnection> {
  const kernel = await kernels.startNew({ name: `ts-${host}` });
  started.push(kernel);
  await untilIdle(kernel);
  return kernel;
}

function untilIdle(kernel: Kernel.IKernelConnection): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (kernel.status === "idle") {
        kernel.statusChanged.disconnect(check);
        resolve();
      }
    };
    kernel.statusChanged.connect(check);
    check();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** pid and parent pid of every process on the machine. */
function processTable(): { pid: number; ppid: number; args: string }[] {
  return execFileSync("ps", ["-e", "-o", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [pid, ppid, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), args: args.join(" ") };
    });
}
/** The server's children running the lab launcher, with the host each serves. */
const launchers = () =>
  processTable()
    .filter((p) => p.ppid === server.process.pid && p.args.includes("lab-launcher.js"))
    .map((p) => ({ pid: p.pid, host: / (romeo|juliet) /.exec(p.args)?.[1] }));
/** A launcher's process and all its descendants (host-kernel, tslab). */
function kernelProcesses(host: HostName): number[] {
  const table = processTable();
  const found = launchers().filter((l) => l.host === host).map((l) => l.pid);
  for (let i = 0; i < found.length; i++) found.push(...table.filter((p) => p.ppid === found[i]).map((p) => p.pid));
  return found;
}

before(async () => {
  if (needsRoot) return;
  await lab.up();
  // The cold start (launcher -> host-kernel -> tslab, one process tree): the spare path is spare-kernel.test.ts's.
  server = await startJupyter({ notebookDir: `${projectRoot}/notebooks`, lab, spares: false });
  kernels = new KernelManager({ serverSettings: server.settings });
});

afterEach(async () => {
  // Each test's kernels end with it, so a test sees only its own processes.
  for (const kernel of started.splice(0)) await kernel.shutdown().catch(() => undefined);
});

after(async () => {
  if (needsRoot) return;
  // Whatever fails here, the server and the lab go: a live server would keep this test file from ever exiting.
  let left: number[] = [];
  try {
    kernels?.dispose();
    if (server) left = [...kernelProcesses("romeo"), ...kernelProcesses("juliet")];
  } finally {
    await server?.stop();
  }
  try {
    await sleep(500);
    assert.deepEqual(left.filter(alive), [], "kernel processes left after the server stopped");
    assert.deepEqual([...(await lab.pids("romeo")), ...(await lab.pids("juliet"))], [], "processes left in the hosts");
  } finally {
    await lab.down();
  }
});

test("the kernel list shows TypeScript on romeo and TypeScript on juliet", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  const specs = new KernelSpecManager({ serverSettings: server.settings });
  await specs.refreshSpecs();
  const names = Object.values(specs.specs?.kernelspecs ?? {}).map((spec) => `${spec?.name}: ${spec?.display_name}`).sort();
  assert.deepEqual(names, ["ts-juliet: TypeScript on juliet", "ts-romeo: TypeScript on romeo"]);
  specs.dispose();
});

test("each host's kernel runs its cells on that host", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  for (const [host, address, other] of [["romeo", ROMEO, JULIET], ["juliet", JULIET, ROMEO]] as const) {
    const kernel = await startKernel(host);
    const reply = await execute(
      kernel,
      `import * as os from "os";
       const v4 = Object.values(os.networkInterfaces()).flatMap((l) => l ?? []).filter((e) => e.family === "IPv4").map((e) => e.address);
       console.log(os.hostname(), v4.join(" "), process.cwd());`,
    );
    assert.equal(reply.status, "ok", reply.stderr);
    assert.equal(reply.stdout.trim(), `${host} 127.0.0.1 ${address} ${projectRoot}/notebooks`);
    assert.doesNotMatch(reply.stdout, new RegExp(other.replace(/\./g, "\\.")));
    await kernel.shutdown();
  }
});

test("a kernel answers cell after cell: 600 in a row, each printing, each ending idle", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  // tslab publishes without waiting for its sends, and zeromq.js defers the 513th unawaited
  // send in a row and refuses (EBUSY) those made meanwhile: about the 168th cell with output
  // hung for ever until tslab-preload chained the sends.
  const kernel = await startKernel("juliet");
  for (let i = 0; i < 600; i++) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000)));
    const reply = await Promise.race([execute(kernel, `console.log(${i})`), late]);
    clearTimeout(timer);
    assert.ok(reply !== null, `cell ${i + 1} did not end (reply and idle status) within 10 s`);
    assert.equal(reply.status, "ok", reply.stderr);
    assert.equal(reply.stdout, `${i}\n`);
  }
  await kernel.shutdown();
});

test("interrupt ends a cell awaiting recvfrom, and a datagram sent afterwards is still received", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  // Each phase says where it is, so a test that times out shows where it waited.
  const phase = (what: string) => console.log(`# interrupt test: ${what}`);
  const juliet = await startKernel("juliet");
  phase("juliet's kernel idle");
  const romeo = await startKernel("romeo");
  phase("romeo's kernel idle");
  const setup = await execute(juliet, `import * as socket from "@sockets-typescript/socket";
    const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    sock.bind(["${JULIET}", ${ports.juliet}]);`);
  assert.equal(setup.status, "ok", setup.stderr);

  let interruptedAfter = 0;
  // tslab's interrupt ends only an await under way: interrupt once the cell is inside recvfrom, not while
  // tslab may still be compiling it (an interrupt then is lost and the cell would wait for ever).
  const waiting = await execute(juliet, `console.log("waiting"); const [first] = await sock.recvfrom(1024); console.log(first);`, async (printed) => {
    await printed("waiting");
    // The socket module starts listening for SIGINT one event-loop turn after a call begins (tslab's
    // breakOnSigint forbids it sooner); a person never presses stop that fast, the test must not either.
    await sleep(200);
    phase("juliet's cell waits in recvfrom; interrupting");
    const t0 = Date.now();
    await juliet.interrupt();
    interruptedAfter = t0;
    phase("interrupt request answered");
  });
  const interruptMs = Date.now() - interruptedAfter;
  assert.equal(waiting.status, "error");
  // The pending recvfrom ends the cell with KeyboardInterrupt, on one line (tslab-preload delivers the stop).
  assert.match(waiting.stderr.trim(), /^KeyboardInterrupt: recvfrom\(\) interrupted; nothing was lost and the socket is still usable$/);
  assert.ok(interruptMs < 5000, `the cell ended ${interruptMs} ms after the interrupt`);
  console.log(`# interrupt: the waiting cell ended ${interruptMs} ms after the interrupt request`);

  await sleep(250); // tslab drops requests that arrive within 200 ms after an error
  const sent = await execute(romeo, `import * as socket from "@sockets-typescript/socket";
    const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    console.log(await s.sendto(socket.b\`after the interrupt\`, ["juliet", ${ports.juliet}]));`);
  assert.equal(sent.stdout.trim(), "19", sent.stderr);
  phase("romeo sent the datagram");
  const received = await execute(juliet, `const [data, addr] = await sock.recvfrom(1024); console.log(data, addr);`);
  assert.equal(received.status, "ok", received.stderr);
  assert.match(received.stdout.trim(), new RegExp(`^b'after the interrupt' \\('${ROMEO.replace(/\./g, "\\.")}', \\d+\\)$`));
  await juliet.shutdown();
  await romeo.shutdown();
  assert.deepEqual(await lab.pids("juliet"), [], "juliet's kernel left a process after shutdown");
});

test("restart gives a fresh kernel on the same host and leaves the old one's processes behind none", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  const kernel = await startKernel("romeo");
  assert.equal((await execute(kernel, `const marker = 42; console.log(marker)`)).stdout.trim(), "42");
  const before = kernelProcesses("romeo");
  assert.equal(before.length, 3, "launcher, host-kernel and tslab");
  await kernel.restart();
  await untilIdle(kernel);
  const reply = await execute(kernel, `import * as os from "os"; console.log(os.hostname(), typeof marker)`);
  assert.match(reply.stdout + reply.stderr, /romeo undefined|Cannot find name 'marker'/);
  assert.deepEqual(before.filter(alive), [], "processes of the kernel before the restart still run");
  assert.equal(kernelProcesses("romeo").length, 3);
  await kernel.shutdown();
});

test("a launcher killed with SIGKILL takes its kernel on the host with it", { skip: needsRoot, timeout: TEST_TIMEOUT_MS }, async () => {
  const kernel = await startKernel("juliet");
  const [launcher, ...inHost] = kernelProcesses("juliet");
  assert.equal(inHost.length, 2, "host-kernel and tslab");
  const hostKernelArgs = readFileSync(`/proc/${inHost[0]}/cmdline`, "utf8").split("\0");
  const relayDir = hostKernelArgs[hostKernelArgs.indexOf("--relay-dir") + 1];
  assert.ok(existsSync(relayDir), `no relay folder in ${hostKernelArgs.join(" ")}`);
  process.kill(launcher, "SIGKILL");
  const t0 = Date.now();
  while (inHost.some(alive) && Date.now() - t0 < 30_000) await sleep(50);
  assert.deepEqual(inHost.filter(alive), [], "juliet's kernel outlived its launcher");
  assert.equal(existsSync(relayDir), false, "the relay folder outlived the kernel");
  console.log(`# kill -9 of the launcher: the host's kernel was gone ${Date.now() - t0} ms later`);
  await kernel.shutdown().catch(() => undefined);
});
