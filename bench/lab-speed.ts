// The lab's speed, measured (not asserted): lab up and down, a host kernel's start until idle,
// interrupt of a cell waiting in recvfrom, and a trivial cell's round trip.
// Targets (issue 3): lab up <= 2 s; kernel ready <= 1.5 s; interrupt <= 0.5 s.
import { KernelManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { JULIET, ports } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";
import { notebooksDir } from "../src/common/paths";
import { startJupyter } from "../src/jupyter/server";

const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function untilIdle(kernel: Kernel.IKernelConnection): Promise<void> {
  return new Promise((resolve) => {
    const check = () => kernel.status === "idle" && (kernel.statusChanged.disconnect(check), resolve());
    kernel.statusChanged.connect(check);
    check();
  });
}

async function execute(kernel: Kernel.IKernelConnection, code: string): Promise<KernelMessage.IExecuteReplyMsg> {
  return (await kernel.requestExecute({ code }).done) as KernelMessage.IExecuteReplyMsg;
}

export interface LabSpeed {
  labUpMs: number;
  labDownMs: number;
  kernelReadyMs: number;
  interruptMs: number;
  trivialCellMs: number;
  socketCellMs: number;
}

export async function measureLabSpeed(log: (line: string) => void = console.log): Promise<LabSpeed> {
  const lab = new Lab({ prefix: "bs-" });
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now();
    await lab.up();
    ups.push(performance.now() - t0);
    t0 = performance.now();
    await lab.down();
    downs.push(performance.now() - t0);
  }
  await lab.up();
  const server = await startJupyter({ notebookDir: notebooksDir, lab });
  const kernels = new KernelManager({ serverSettings: server.settings });
  const ready: number[] = [];
  const interrupts: number[] = [];
  const trivial: number[] = [];
  const socketCells: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const kernel = await kernels.startNew({ name: i % 2 ? "ts-romeo" : "ts-juliet" });
      await untilIdle(kernel);
      ready.push(performance.now() - t0);
      await execute(kernel, "1"); // the first cell compiles tslab's prelude
      for (let j = 0; j < 20; j++) {
        const t1 = performance.now();
        await execute(kernel, "1 + 1");
        trivial.push(performance.now() - t1);
      }
      await execute(kernel, `import * as socket from "@sockets-typescript/socket"; const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);`);
      for (let j = 0; j < 20; j++) {
        const t1 = performance.now();
        await execute(kernel, `s.sendto(socket.b\`x\`, ["${JULIET}", ${ports.romeoUnused}])`);
        socketCells.push(performance.now() - t1);
      }
      // Interrupt once the cell is inside recvfrom: tslab loses an interrupt that lands while it compiles.
      const waiting = kernel.requestExecute({ code: `const r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(["127.0.0.1", 0]); console.log("waiting"); await r.recvfrom(1024);` });
      await new Promise<void>((resolve) => {
        waiting.onIOPub = (msg) => {
          if (msg.header.msg_type === "stream") resolve();
        };
      });
      const t2 = performance.now();
      await kernel.interrupt();
      await waiting.done;
      interrupts.push(performance.now() - t2);
      await kernel.shutdown();
    }
  } finally {
    kernels.dispose();
    await server.stop();
    await lab.down();
  }
  const result: LabSpeed = {
    labUpMs: median(ups),
    labDownMs: median(downs),
    kernelReadyMs: median(ready),
    interruptMs: median(interrupts),
    trivialCellMs: median(trivial),
    socketCellMs: median(socketCells),
  };
  const row = (what: string, ms: number, target?: number) =>
    log(`  ${what.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms${target ? `   target <= ${target} ms: ${ms <= target ? "PASS" : "BELOW"}` : ""}`);
  log(`lab speed (median of ${ROUNDS} rounds; cells: median of ${trivial.length})`);
  row("lab up", result.labUpMs, 2000);
  row("lab down", result.labDownMs);
  row("kernel start until idle", result.kernelReadyMs, 1500);
  row("interrupt of a waiting recvfrom", result.interruptMs, 500);
  row("trivial cell (1 + 1)", result.trivialCellMs);
  row("cell with a socket call (sendto)", result.socketCellMs, 15);
  return result;
}

if (require.main === module) {
  if (process.getuid?.() !== 0) {
    console.log("lab speed: needs root (network namespaces); skipped");
  } else {
    measureLabSpeed().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  }
}
