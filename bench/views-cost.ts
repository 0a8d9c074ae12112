// The views' cost (issue 9), measured (not asserted): a cell that ends with a wire view and a
// socket table against the same cell without them (medians of interleaved rounds, same run,
// target <= 1.5x), the wire view's flush wait, and whether the kernel's capture lost a packet:
// its count against a separate tcpdump on the same interface during the same traffic.
import { spawn } from "node:child_process";
import { KernelManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { JULIET, ROMEO, ports } from "@sockets-typescript/topology";
import { CAPTURE_FILTER } from "@sockets-typescript/notebook";
import { Lab } from "../src/lab/lab";
import { notebooksDir } from "../src/common/paths";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import { CELL_MS, KERNEL_START_MS, SHUTDOWN_MS, deadline } from "./deadlines";
import { runStandalone } from "./standalone";

const ROUNDS = 20;
const TARGET_RATIO = 1.5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs a cell; its stdout text, or an error naming the cell (also when it does not end within CELL_MS or `signal` aborts). */
async function execute(kernel: Kernel.IKernelConnection, code: string, signal?: AbortSignal): Promise<string> {
  let out = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const content = msg.content as Record<string, any>;
    if (msg.header.msg_type === "stream") out += content.text;
    if (msg.header.msg_type === "error") out += `${content.ename}: ${content.evalue}`;
  };
  const reply = (await deadline(future.done, CELL_MS, `kernel ${kernel.name} to run ${JSON.stringify(code.split("\n")[0])}`, signal)) as KernelMessage.IExecuteReplyMsg;
  if (reply.content.status !== "ok") throw new Error(`cell failed: ${code.split("\n")[0]}: ${out.trim()}`);
  return out;
}

export interface ViewsCost {
  plainCellMs: number;
  viewsCellMs: number;
  ratio: number;
  flushMs: number;
  kernelPackets: number;
  tcpdumpPackets: number;
}

/** The measurement; `signal` (the bench's Ctrl-C or SIGTERM) ends it early, the lab and the server taken down. */
export async function measureViewsCost(log: (line: string) => void = console.log, signal?: AbortSignal): Promise<ViewsCost> {
  const lab = new Lab({ prefix: "bv-" });
  await lab.up(undefined, signal); // an abort ends lab.up itself, rolled back
  let reference: ReturnType<typeof spawn> | undefined;
  let server: JupyterServer | undefined;
  let kernels: KernelManager | undefined;
  try {
    // The separate tcpdump: same interface and filter, counting one line per packet.
    const [cmd, ...args] = lab.hostArgv("juliet", ["tcpdump", "-i", "lan0", "-n", "-l", "--immediate-mode", CAPTURE_FILTER]);
    const tcpdump = (reference = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }));
    let referenceOut = "";
    let referenceErr = "";
    tcpdump.stdout!.on("data", (chunk: Buffer) => (referenceOut += chunk.toString()));
    // One line per packet; tcpdump also writes an empty line to stdout when SIGINT ends it (it was
    // counted as a 55th packet the kernel's capture had "lost").
    const packetLines = () => referenceOut.split("\n").filter((line) => line.trim() !== "").length;
    const listening = new Promise<void>((resolve, reject) => {
      tcpdump.stderr!.on("data", (chunk: Buffer) => {
        referenceErr += chunk;
        if (/listening on/.test(referenceErr)) resolve();
      });
      tcpdump.on("exit", () => reject(new Error(`tcpdump ended: ${referenceErr.trim()}`)));
    });
    server = await startJupyter({ notebookDir: notebooksDir, lab });
    if (signal?.aborted) throw new Error("interrupted while the Jupyter server started");
    kernels = new KernelManager({ serverSettings: server.settings });
    const plain: number[] = [];
    const views: number[] = [];
    const flushes: number[] = [];
    await deadline(listening, CELL_MS, "the reference tcpdump to listen", signal);
    const juliet = await deadline(kernels.startNew({ name: "ts-juliet" }), KERNEL_START_MS, "the Jupyter server to start kernel ts-juliet", signal);
    const romeo = await deadline(kernels.startNew({ name: "ts-romeo" }), KERNEL_START_MS, "the Jupyter server to start kernel ts-romeo", signal);
    process.stderr.write(`views cost: kernels started, ${ROUNDS} rounds\n`);
    await execute(romeo, `import * as socket from "@sockets-typescript/socket";\nconst r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nr.bind(["${ROMEO}", ${ports.romeoUnused}]);`, signal);
    await execute(juliet, `import * as socket from "@sockets-typescript/socket";\nimport { host } from "@sockets-typescript/notebook";\nconst here = host("juliet");\nawait here.capture!.started();\nlet seen = 0;\nconst s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\ns.bind(["${JULIET}", ${ports.juliet}]);`, signal);
    const send = `await s.sendto(socket.b\`Hello\`, ["${ROMEO}", ${ports.romeoUnused}]);`;
    // Warm-up: both forms compiled once.
    await execute(juliet, send, signal);
    await execute(juliet, `${send}\nhere.sockets("udp");\nseen += (await here.wire()).length;`, signal);
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      await execute(juliet, send, signal);
      plain.push(performance.now() - t0);
      t0 = performance.now();
      await execute(juliet, `${send}\nhere.sockets("udp");\nseen += (await here.wire()).length;`, signal);
      views.push(performance.now() - t0);
      flushes.push(Number(await execute(juliet, "console.log(here.lastFlushMs)", signal)));
    }
    // TCP as in the walkthrough: a refused connect, a handshake, data both ways, FINs.
    await execute(romeo, `const c0 = socket.socket(socket.AF_INET, socket.SOCK_STREAM);\ntry { await c0.connect(["${JULIET}", ${ports.julietSecond}]); } catch { }`, signal);
    await execute(juliet, `const l = socket.socket(socket.AF_INET, socket.SOCK_STREAM);\nl.bind(["${JULIET}", ${ports.juliet}]);\nl.listen();`, signal);
    await execute(romeo, `const c = socket.socket(socket.AF_INET, socket.SOCK_STREAM);\nawait c.connect(["${JULIET}", ${ports.juliet}]);\nawait c.send(socket.b\`But, soft!\`);`, signal);
    await execute(juliet, `const [conn] = await l.accept();\nawait conn.recv(1024);\nawait conn.send(socket.b\`What's in a name?\`);`, signal);
    await execute(romeo, `await c.recv(1024);\nc.shutdown(socket.SHUT_RDWR);\nc.close();`, signal);
    await execute(juliet, `conn.shutdown(socket.SHUT_RDWR);\nconn.close();\nl.close();`, signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const kernelPackets = Number(await execute(juliet, "seen += (await here.wire({ quiet: true })).length;\nconsole.log(seen);", signal));
    await deadline(juliet.shutdown(), SHUTDOWN_MS, "the Jupyter server to shut kernel ts-juliet down", signal);
    await deadline(romeo.shutdown(), SHUTDOWN_MS, "the Jupyter server to shut kernel ts-romeo down", signal);
    tcpdump.kill("SIGINT");
    await deadline(new Promise((resolve) => tcpdump.once("exit", resolve)), CELL_MS, "the reference tcpdump to end on SIGINT", signal);
    const result: ViewsCost = {
      plainCellMs: median(plain), viewsCellMs: median(views), ratio: median(views) / median(plain),
      flushMs: median(flushes), kernelPackets, tcpdumpPackets: packetLines(),
    };
    log(`views cost (juliet's kernel, median of ${ROUNDS} interleaved rounds)`);
    log(`  ${"cell: sendto".padEnd(40)} ${result.plainCellMs.toFixed(1).padStart(8)} ms`);
    log(`  ${"cell: sendto + socket table + wire view".padEnd(40)} ${result.viewsCellMs.toFixed(1).padStart(8)} ms   ratio ${result.ratio.toFixed(2)}x, target <= ${TARGET_RATIO}x: ${result.ratio <= TARGET_RATIO ? "PASS" : "BELOW"}`);
    log(`  ${"wire view's flush wait".padEnd(40)} ${result.flushMs.toFixed(1).padStart(8)} ms`);
    log(`  ${"packets: kernel's capture / tcpdump".padEnd(40)} ${String(kernelPackets).padStart(5)} / ${result.tcpdumpPackets}   ${kernelPackets === result.tcpdumpPackets ? "PASS (none lost)" : "BELOW (lost or extra packets)"}`);
    return result;
  } finally {
    reference?.kill("SIGKILL");
    kernels?.dispose();
    await server?.stop();
    await lab.down();
  }
}

if (require.main === module) runStandalone("views cost", (signal) => measureViewsCost(console.log, signal));
