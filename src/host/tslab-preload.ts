// Loaded into tslab's process by host-kernel (node -r). Three jobs:
//
// 1. The stop button ends the cell it was pressed for, with one press, and never a later cell.
//    tslab alone interrupts on SIGINT, and only an await under way: a signal that lands while it
//    type-checks the cell is dropped (vm's breakOnSigint closes Node's SIGINT watcher when the
//    cell's synchronous part starts, with the signal still queued in it), and a signal that
//    arrives late ends whatever runs then. So host-kernel sends the stop as a line on a control
//    channel (fd SOCKETS_KERNEL_CONTROL_FD), stamped with the monotonic clock when it arrived.
//    A line waits in the channel while the cell is being compiled and is read once the cell
//    awaits (the event loop is free again): nothing is lost. Here it ends the execution that is
//    running, if it started before the stamp; a stop from before the running cell started, or
//    with nothing running, is dropped. The pending socket calls end first, with KeyboardInterrupt
//    (and stop waiting: none can take a later datagram), and until the next cell starts any call
//    that begins to wait is interrupted too (the hub's latch: the stopped cell's call may be
//    between its first attempt and its wait); tslab's own interrupt follows if the cell has not
//    ended a moment later (it awaits something else, or caught the error).
//    Each line is acknowledged; host-kernel sends a real SIGINT only when no ack comes (the
//    cell blocks the event loop, e.g. `while (true) {}`: breakOnSigint ends that).
// 2. The stop button's message on one line: tslab makes the error it reports for an interrupt
//    ("Interrupted asynchronously") once, when its executor is created, and prints it with its
//    stack: tslab's own start-up frames. Made (during that one synchronous call) as an Error that
//    prints as "Error: Interrupted asynchronously", it reads like the socket module's errors.
//
// 3. A kernel that answers after its 168th cell. tslab publishes each message without waiting
//    for the send (jupyter.js, signAndSend: `sock.send(...)`, never awaited). zeromq.js resolves
//    at most 512 sends in a row at once on a socket (max_sync_operations in its socket.cc; the
//    count restarts only when a send or receive goes through its poller), defers the 513th, and
//    throws EBUSY ("Socket is busy writing") at every send made while that one waits. tslab's
//    iopub socket only sends, so its 513th message starts the deferral and the rest of that
//    cell's messages are lost: the cell never reports idle, the notebook shows it running for
//    ever, and so does every later cell (measured: the 168th cell with output, the 252nd
//    without; plain tslab the same). Here each socket's sends are chained, one after the other.
//
// If tslab's layout ever changes, this does nothing and tslab interrupts as it always did.
import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { inspect } from "node:util";
import { dirname } from "node:path";

/** The environment variable naming the control channel's descriptor (host-kernel sets it). */
const CONTROL_FD_ENV = "SOCKETS_KERNEL_CONTROL_FD";
/** How long a cell whose socket calls were interrupted gets to end by itself before tslab's interrupt ends it. */
const GRACE_MS = 100;

/** The socket module's hub (packages/socket/src/interrupt.ts spells the same key). */
interface InterruptHub {
  interrupters: Set<() => number>;
  latched: boolean;
}
const hub: InterruptHub = { interrupters: new Set(), latched: false };
(globalThis as Record<symbol, unknown>)[Symbol.for("@sockets-typescript/socket:interrupt-hub")] = hub;

class OneLineError extends Error {
  [inspect.custom](): string {
    return `${this.name}: ${this.message}`;
  }
}

interface Executor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
}

interface Execution {
  /** process.hrtime.bigint() when tslab began this execution (CLOCK_MONOTONIC: host-kernel's stamps compare). */
  start: bigint;
  settled: boolean;
  interrupted: boolean;
  promise?: Promise<boolean>;
}

let running: Execution | null = null;
let tslabInterrupt: (() => void) | null = null;

function interruptSocketCalls(): number {
  let count = 0;
  for (const interrupter of hub.interrupters) count += interrupter();
  return count;
}

/** Ends the running execution if the stop (stamped `at`) was pressed while it ran. */
function stop(at: bigint): void {
  const execution = running;
  if (execution === null || execution.settled || at < execution.start || tslabInterrupt === null) return;
  const endByTslab = tslabInterrupt;
  if (execution.interrupted) {
    // Pressed again: no more grace.
    interruptSocketCalls();
    endByTslab();
    return;
  }
  execution.interrupted = true;
  hub.latched = true;
  interruptSocketCalls();
  // KeyboardInterrupt is on its way through the cell's awaits (or comes at its next wait): let it be the cell's error.
  const timer = setTimeout(() => {
    if (execution.settled) return;
    interruptSocketCalls();
    endByTslab();
  }, GRACE_MS);
  void execution.promise?.finally(() => clearTimeout(timer));
}

function watchExecutions(executor: Executor, viaChannel: boolean): void {
  const execute = executor.execute;
  const interrupt = executor.interrupt;
  if (typeof execute !== "function" || typeof interrupt !== "function") return;
  tslabInterrupt = interrupt;
  executor.execute = function (this: unknown, src: string) {
    const execution: Execution = { start: process.hrtime.bigint(), settled: false, interrupted: false };
    running = execution;
    hub.latched = false; // a stop before this cell is not for it
    // Compiles and runs the cell's synchronous part, then returns at its first await.
    const promise = execute.call(this, src);
    execution.promise = promise;
    const settle = () => {
      execution.settled = true;
      if (running === execution) running = null;
    };
    promise.then(settle, settle);
    return promise;
  };
  // tslab's SIGINT handler calls this. With the control channel, a SIGINT is host-kernel's fallback
  // for a cell that blocked the event loop (breakOnSigint ended it, if any): a late one must not
  // end the next cell. Without the channel, the signal is the stop button.
  executor.interrupt = () => {
    if (!viaChannel) stop(process.hrtime.bigint());
  };
}

function openControlChannel(): boolean {
  const fdText = process.env[CONTROL_FD_ENV];
  delete process.env[CONTROL_FD_ENV]; // not for the cells' child processes
  if (fdText === undefined || !/^\d+$/.test(fdText)) return false;
  let channel: Socket;
  try {
    channel = new Socket({ fd: Number(fdText), readable: true, writable: true });
  } catch {
    return false;
  }
  // host-kernel gone (even by kill -9): nothing can stop or end this kernel any more, so it ends.
  // Killed with acks unread, its end resets ours (ECONNRESET): readline re-emits the input's
  // errors on the Interface, which would end tslab with an unhandled 'error' event; "close" follows.
  channel.on("error", () => undefined);
  channel.on("close", () => process.exit(0));
  const lines = createInterface({ input: channel, crlfDelay: Infinity });
  lines.on("error", () => undefined);
  lines.on("line", (line) => {
    const match = /^interrupt (\d+) (\d+)$/.exec(line.trim());
    // No ack while tslab's executor is not hooked: host-kernel then sends SIGINT, as before.
    if (!match || tslabInterrupt === null) return;
    channel.write(`ack ${match[1]}\n`);
    stop(BigInt(match[2]));
  });
  return true;
}

function hookExecutor(): void {
  let executorModule: { createExecutor?: (...args: unknown[]) => unknown };
  try {
    executorModule = require(require.resolve("tslab/dist/executor.js", { paths: [process.cwd(), __dirname] }));
  } catch {
    return;
  }
  const create = executorModule.createExecutor;
  if (typeof create !== "function") return;
  const viaChannel = openControlChannel();
  executorModule.createExecutor = function (this: unknown, ...args: unknown[]) {
    const original = globalThis.Error;
    globalThis.Error = OneLineError as unknown as ErrorConstructor;
    let executor: unknown;
    try {
      executor = create.apply(this, args);
    } finally {
      globalThis.Error = original;
    }
    if (executor !== null && typeof executor === "object") watchExecutions(executor as Executor, viaChannel);
    return executor;
  };
}

type Send = (this: object, ...args: unknown[]) => Promise<void>;

/** Job 3: zeromq.js sends one at a time per socket, in the order tslab makes them. */
function chainZmqSends(): void {
  let zmq: Record<string, { prototype: { send?: Send } } | undefined>;
  try {
    // The instance tslab loads: resolved from tslab's own folder.
    const tslabDir = dirname(require.resolve("tslab/package.json", { paths: [process.cwd(), __dirname] }));
    zmq = require(require.resolve("zeromq", { paths: [tslabDir] }));
  } catch {
    return;
  }
  const last = new WeakMap<object, Promise<void>>();
  // send is a read-only native method of zeromq's Socket: each class tslab uses gets its own.
  for (const name of ["Publisher", "Router", "Reply"]) {
    const proto = zmq[name]?.prototype;
    const send = proto?.send;
    if (proto === undefined || typeof send !== "function") continue;
    const chained: Send = function (this: object, ...args: unknown[]): Promise<void> {
      const before = last.get(this) ?? Promise.resolve();
      const sent = before.then(() => send.apply(this, args));
      // The next send waits for this one, failed or not. Handled here, a failed send (its socket
      // closed at shutdown) is no unhandled rejection, which would end the kernel: tslab never
      // awaits a send. A caller that awaits still sees the failure.
      last.set(this, sent.catch(() => undefined));
      return sent;
    };
    try {
      Object.defineProperty(proto, "send", { value: chained, writable: true, configurable: true });
    } catch {
      // left as it was: tslab behaves as without this preload
    }
  }
}

hookExecutor();
chainZmqSends();
