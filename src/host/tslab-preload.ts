// Loaded into tslab's process by host-kernel (node -r). Its jobs:
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
// 4. A quicker start (off with SOCKETS_KERNEL_QUICK_START=0, the bench's "before"): Node's
//    compile cache for the modules tslab loads (TypeScript's 9 MB compiler loads ~25% faster: its
//    code not compiled afresh each start), kept in the project's node_modules/.cache/sockets-kernel
//    (not the world-writable /tmp: a cache there could be planted for root's kernels), written
//    once the first cell has run (tslab is usually killed, never exiting normally, which is when
//    Node writes it by itself); and a "listening" line on the control channel as soon as tslab's
//    five binds have resolved, so host-kernel opens the relays then instead of probing the ports
//    and waiting a settle time for the bind callbacks. Without the line host-kernel probes as before.
// 5. With SOCKETS_TRACE_FILE set (bench/profile.ts), timing lines of tslab's start (its module
//    loads, the converter, the executor, the five binds, the first reply) and of each cell
//    (compile and type check, then its own run); see trace.ts.
//
// 6. The spare kernel (host-kernel --spare, spare.ts; SOCKETS_KERNEL_SPARE=1): tslab starts as
//    always (TypeScript, its converter, the executor), the converter compiles a warm-up cell
//    ("1": what a first cell pays for once), and then tslab's server waits, before it reads its
//    connection file or binds anything, for host-kernel's line "start {configPath, env}" on the
//    control channel: the connection file of the kernel it has become, and the launcher's
//    environment, which replaces the spare's (a cell sees what a cold start's would).
//    Any kernel's binds are retried for a while when a port is still in use: after a forced
//    restart the old tslab (SIGTERM on its way) may hold the same five ports for a moment.
//
// 7. A shutdown_request (Jupyter's restart and shutdown) ends tslab's process once its last
//    replies are sent, instead of leaving it for Jupyter to kill after its shutdown_wait_time.
//
// 8. The IOPub welcome (Jupyter's JEP 65, what ipykernel 7 does): tslab's iopub socket is an
//    XPUB that sees every subscription (duplicates too), and to each one it publishes an
//    `iopub_welcome` message. Why: a Jupyter server that opens a websocket (a kernel's start, a
//    restart, a page reloaded) "nudges" the kernel with kernel_info requests until one of its
//    status messages arrives on that websocket's new SUB socket, and it re-sends every 0.5 s. The
//    first status usually beats the subscription through the relays and is dropped, so the
//    websocket opened 0.4-0.5 s late. The welcome is published once the subscription has arrived,
//    so it always reaches the new subscriber. A front end that knows no iopub_welcome ignores it.
//
// If tslab's layout ever changes, this does nothing and tslab interrupts as it always did.
import { randomUUID } from "node:crypto";
import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { inspect } from "node:util";
import { dirname, join } from "node:path";
import { trace, traceNow, traceProcessStart, tracing } from "./trace";
import { SPARE_ENV } from "./spare";
import { signMessage } from "./protocol";

traceProcessStart("tslab");

const QUICK_START_ENV = "SOCKETS_KERNEL_QUICK_START";
const quickStart = process.env[QUICK_START_ENV] !== "0";
delete process.env[QUICK_START_ENV]; // not for the cells' child processes
let flushCompileCache: (() => void) | null = null;

/** Job 4: Node's compile cache, before tslab (and TypeScript) load. */
function enableCompileCache(): void {
  const mod = require("node:module") as { enableCompileCache?: (dir?: string) => unknown; flushCompileCache?: () => void };
  if (typeof mod.enableCompileCache !== "function") return; // Node < 22.1
  try {
    // dist/src/host -> the project's node_modules/.cache
    mod.enableCompileCache(join(__dirname, "..", "..", "..", "node_modules", ".cache", "sockets-kernel"));
    if (typeof mod.flushCompileCache === "function") flushCompileCache = mod.flushCompileCache;
  } catch {
    // no cache (read-only project, ...): tslab starts as before
  }
}
if (quickStart) enableCompileCache();

/** The environment variable naming the control channel's descriptor (host-kernel sets it). */
const CONTROL_FD_ENV = "SOCKETS_KERNEL_CONTROL_FD";
const spare = process.env[SPARE_ENV] === "1";
delete process.env[SPARE_ENV]; // not for the cells' child processes
/** Job 6: what host-kernel's "start" line brings a spare. */
interface SpareStart {
  configPath: string;
  env: Record<string, string>;
}
let spareStarted: ((start: SpareStart) => void) | null = null;
const spareStart = new Promise<SpareStart>((resolve) => (spareStarted = resolve));
let startArrived = false;
/** tslab's converters (createExecutor's second argument), for the spare's warm-up compile. */
let converters: unknown = null;
/** How long a bind is retried while its port is still in use (the old kernel of a restart ending). */
const BIND_RETRY_MS = 5000;
const BIND_RETRY_INTERVAL_MS = 20;
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
/** host-kernel's control channel (null: started without one, e.g. by hand). */
let controlChannel: Socket | null = null;
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
    if (tracing) trace("tslab", "exec-start");
    const execution: Execution = { start: process.hrtime.bigint(), settled: false, interrupted: false };
    running = execution;
    hub.latched = false; // a stop before this cell is not for it
    // Compiles and runs the cell's synchronous part, then returns at its first await.
    const promise = execute.call(this, src);
    execution.promise = promise;
    const settle = () => {
      if (tracing) trace("tslab", "exec-end");
      if (flushCompileCache !== null) {
        // Once, after the first cell (its imports are in the cache too), at the next turn: not in the cell's reply's way.
        const flush = flushCompileCache;
        flushCompileCache = null;
        // Why hold SIGTERM: host-kernel's stop (a one-cell kernel-check, a quick shutdown) can come
        // right after the first reply, while the flush still writes a fresh cache (~100 ms); the
        // default action would end tslab half-way, every time the cache is new (CI's fresh
        // clone). Held, the signal is taken again once the flush is done: the same end, later.
        let termHeld = false;
        const hold = () => {
          termHeld = true;
        };
        process.on("SIGTERM", hold);
        setTimeout(() => {
          try {
            flush();
          } catch {
            // the cache stays as it was
          }
          if (tracing) trace("tslab", "compile-cache-flushed");
          // A SIGTERM that came during the flush is dispatched in this turn's poll phase, before
          // the check phase's setImmediate: then end as it asked.
          setImmediate(() => {
            process.removeListener("SIGTERM", hold);
            if (termHeld) process.kill(process.pid, "SIGTERM");
          }).unref();
        }, 0).unref();
      }
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
  controlChannel = channel;
  const lines = createInterface({ input: channel, crlfDelay: Infinity });
  lines.on("error", () => undefined);
  lines.on("line", (line) => {
    const start = /^start (\{.*\})$/.exec(line.trim());
    if (start && spareStarted !== null) {
      try {
        const value = JSON.parse(start[1]) as SpareStart;
        startArrived = true;
        spareStarted(value);
        spareStarted = null;
      } catch {
        // not a start line
      }
      return;
    }
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
    converters = args[1];
    const t0 = traceNow();
    try {
      executor = create.apply(this, args);
    } finally {
      globalThis.Error = original;
    }
    if (tracing) {
      trace("tslab", "executor-created", { ms: traceNow() - t0 });
      timeConverts(args[1]);
    }
    if (executor !== null && typeof executor === "object") watchExecutions(executor as Executor, viaChannel);
    return executor;
  };
}

type Send = (this: object, ...args: unknown[]) => Promise<void>;
/** Job 7: the chained sends not yet settled (the shutdown_reply among them when tslab closes). */
const unsent = new Set<Promise<unknown>>();
/** Job 7: after the last send, before the sockets close (zeromq's I/O thread writes them out). */
const FLUSH_MS = 20;
/** Job 7: after the sockets close, before the process exits. */
const EXIT_AFTER_CLOSE_MS = 50;

/** The zeromq.js instance tslab loads (resolved from tslab's own folder), or null where it cannot be found. */
function tslabZeromq(): Record<string, unknown> | null {
  try {
    const tslabDir = dirname(require.resolve("tslab/package.json", { paths: [process.cwd(), __dirname] }));
    return require(require.resolve("zeromq", { paths: [tslabDir] })) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Job 3: zeromq.js sends one at a time per socket, in the order tslab makes them. */
function chainZmqSends(): void {
  const zmq = tslabZeromq() as Record<string, { prototype: { send?: Send } } | undefined> | null;
  if (zmq === null) return;
  const last = new WeakMap<object, Promise<void>>();
  // send is a read-only native method of zeromq's Socket: each class tslab uses gets its own.
  for (const name of ["Publisher", "Router", "Reply"]) {
    const proto = zmq[name]?.prototype;
    const send = proto?.send;
    if (proto === undefined || typeof send !== "function") continue;
    let firstSend = tracing;
    const chained: Send = function (this: object, ...args: unknown[]): Promise<void> {
      if (firstSend) {
        // Router: tslab's first shell reply, kernel_info_reply; Publisher: its first status.
        firstSend = false;
        trace("tslab", `first-send-${name}`);
      }
      const before = last.get(this) ?? Promise.resolve();
      const sent = before.then(() => send.apply(this, args));
      // The next send waits for this one, failed or not. Handled here, a failed send (its socket
      // closed at shutdown) is no unhandled rejection, which would end the kernel: tslab never
      // awaits a send. A caller that awaits still sees the failure.
      const settled = sent.catch(() => undefined);
      last.set(this, settled);
      unsent.add(settled);
      void settled.then(() => unsent.delete(settled));
      return sent;
    };
    try {
      Object.defineProperty(proto, "send", { value: chained, writable: true, configurable: true });
    } catch {
      // left as it was: tslab behaves as without this preload
    }
  }
}

/** Job 4: each cell's compile and type check, timed (tslab calls convs.node.convert(prevDecl, src) once per cell). */
function timeConverts(convs: unknown): void {
  try {
    const converter = (convs as { node?: { convert?: (...args: unknown[]) => unknown } }).node;
    const convert = converter?.convert;
    if (converter === undefined || typeof convert !== "function") return;
    converter.convert = function (this: unknown, ...args: unknown[]) {
      const t0 = traceNow();
      try {
        return convert.apply(this, args);
      } finally {
        trace("tslab", "converted", { ms: traceNow() - t0 });
      }
    };
  } catch {
    // not timed
  }
}

/**
 * Job 4: how long tslab's start-up loads take (first load only, each inclusive of what it loads),
 * its converter's creation (the TypeScript language service, lib files read and checked once),
 * and its five binds.
 */
function traceStartup(): void {
  const loader = require("node:module") as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = loader._load;
  const timed = new Map([["@tslab/typescript-for-tslab", "typescript"], ["./converter", "converter"], ["./jupyter", "jupyter"], ["commander", "commander"]]);
  const seen = new Set<string>();
  loader._load = function (this: unknown, request: string, parent: unknown, isMain: boolean) {
    const label = timed.get(request);
    if (label === undefined || seen.has(label)) return load.call(this, request, parent, isMain);
    seen.add(label);
    const t0 = traceNow();
    const exports = load.call(this, request, parent, isMain) as Record<string, unknown>;
    trace("tslab", "loaded", { module: label, ms: traceNow() - t0 });
    if (label === "converter" && typeof exports?.createConverter === "function") {
      const create = exports.createConverter as (...args: unknown[]) => unknown;
      try {
        exports.createConverter = function (this: unknown, ...args: unknown[]) {
          const t1 = traceNow();
          try {
            return create.apply(this, args);
          } finally {
            trace("tslab", "converter-created", { ms: traceNow() - t1 });
          }
        };
      } catch {
        // not timed
      }
    }
    if (seen.size === timed.size) loader._load = load;
    return exports;
  };
}

/** Job 4: "listening" to host-kernel once tslab's five binds have resolved (and their trace lines). */
function watchBinds(): void {
  if (!tracing && !(quickStart && controlChannel !== null)) return;
  const zmq = tslabZeromq() as Record<string, { prototype: { bind?: (...args: unknown[]) => Promise<void> } } | undefined> | null;
  if (zmq === null) return;
  let started = 0;
  let bound = 0;
  // tslab binds five sockets (iopub, shell, control, stdin, hb), all at once, at its start.
  const onBound = () => {
    if (++bound !== 5) return;
    trace("tslab", "bound");
    if (quickStart) controlChannel?.write("listening\n");
  };
  for (const name of ["Publisher", "Router", "Reply"]) {
    const proto = zmq[name]?.prototype;
    const bind = proto?.bind;
    if (proto === undefined || typeof bind !== "function") continue;
    try {
      Object.defineProperty(proto, "bind", {
        value: function (this: object, ...args: unknown[]) {
          if (started++ === 0) trace("tslab", "bind-start");
          const done = bind.apply(this, args);
          void done.then(onBound, () => undefined);
          return done;
        },
        writable: true,
        configurable: true,
      });
    } catch {
      // host-kernel probes the ports, as without this preload
    }
  }
}

/** Job 6: a spare's environment becomes the launcher's (keys of the spare's own that it lacks go). */
function takeEnvironment(env: Record<string, string>): void {
  const ours = new Set([CONTROL_FD_ENV, SPARE_ENV, QUICK_START_ENV]);
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (!ours.has(key) && typeof value === "string") process.env[key] = value;
}

/** Job 6: the spare's wait before tslab's server binds, and (every kernel) binds retried while a port is in use. */
function hookServer(): void {
  // A spare that cannot wait (tslab's layout changed) says so at once: host-kernel ends it, and
  // launchers start their kernels cold instead of waiting for it.
  const noSpare = () => spare && controlChannel?.write("no-spare\n");
  let jupyter: { ZmqServer?: { prototype: Record<string, unknown> } };
  try {
    jupyter = require(require.resolve("tslab/dist/jupyter.js", { paths: [process.cwd(), __dirname] }));
  } catch {
    noSpare();
    return;
  }
  const proto = jupyter.ZmqServer?.prototype;
  const init = proto?.init;
  const bindSocket = proto?.bindSocket;
  if (proto === undefined || typeof init !== "function" || typeof bindSocket !== "function") {
    noSpare();
    return;
  }
  const welcoming = welcomingPublisher();
  proto.bindSocket = async function (this: { connInfo?: { key?: unknown } }, ...args: unknown[]) {
    const giveUpAt = Date.now() + BIND_RETRY_MS;
    for (;;) {
      try {
        const bound = await (bindSocket as (...a: unknown[]) => Promise<void>).apply(this, args);
        if (welcoming !== null && args[0] instanceof welcoming) void welcomeSubscribers(args[0] as unknown as XPub, String(this.connInfo?.key ?? ""));
        return bound;
      } catch (err) {
        const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE" || /in use/i.test(String((err as Error).message));
        if (!inUse || Date.now() > giveUpAt) throw err;
        await new Promise((resolve) => setTimeout(resolve, BIND_RETRY_INTERVAL_MS));
      }
    }
  };
  // Job 7: a shutdown_request ends the process. tslab closes its sockets and lets the process end
  // by itself, which never happens here (the control channel holds it; before the preload, its
  // converter's watchers): Jupyter then waited its shutdown_wait_time (SIGTERM at 2.5 s) at every
  // restart and shutdown. tslab calls close() right after queueing its last replies, which the
  // chained sends have not made yet: they go first.
  const close = proto.close;
  if (typeof close === "function") {
    proto.close = function (this: unknown) {
      const self = this;
      void Promise.allSettled([...unsent]).then(() =>
        setTimeout(() => {
          try {
            (close as () => void).call(self);
          } finally {
            setTimeout(() => process.exit(0), EXIT_AFTER_CLOSE_MS);
          }
        }, FLUSH_MS),
      );
    };
  }
  if (!spare || controlChannel === null) return;
  proto.init = async function (this: { configPath: string }) {
    if (!startArrived) warmUp();
    const { configPath, env } = await spareStart;
    takeEnvironment(env);
    this.configPath = configPath;
    return (init as () => Promise<void>).call(this);
  };
  // host-kernel takes claims from now on: a claim before the warm-up is over still saves what is done.
  controlChannel.write("spare-waiting\n");
}

/** Job 8: what of zeromq.js's XPublisher the welcome uses. */
interface XPub extends AsyncIterable<Buffer[]> {
  send(frames: Array<Buffer | string>): Promise<void>;
}

/**
 * Job 8: tslab's `new zmq.Publisher()` makes an XPUB that passes every subscription up (its
 * other messages are the same PUB's); null where zeromq.js has no XPublisher (tslab as before).
 */
function welcomingPublisher(): (new (...args: unknown[]) => object) | null {
  const zmq = tslabZeromq();
  if (zmq === null) return null;
  try {
    const XPublisher = zmq.XPublisher as (new (...args: unknown[]) => { verbosity: string | null }) | undefined;
    if (typeof XPublisher !== "function" || typeof zmq.Publisher !== "function") return null;
    class WelcomingPublisher extends XPublisher {
      constructor(...args: unknown[]) {
        super(...args);
        // Every subscribe, also one to "" that a still-connected subscriber already made.
        this.verbosity = "allSubs";
      }
    }
    zmq.Publisher = WelcomingPublisher;
    return WelcomingPublisher;
  } catch {
    return null;
  }
}

/** Job 8: an iopub_welcome, signed as tslab signs its messages (HMAC-SHA256 of the four parts), for each subscription. */
async function welcomeSubscribers(sock: XPub, key: string): Promise<void> {
  const session = randomUUID();
  try {
    for await (const [frame] of sock) {
      if (frame === undefined || frame[0] !== 1) continue; // 0: an unsubscribe
      const topic = frame.subarray(1);
      const header = { msg_id: randomUUID(), session, username: "kernel", date: new Date().toISOString(), msg_type: "iopub_welcome", version: "5.3" };
      const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify({ subscription: topic.toString("utf8") })];
      void sock.send([...(topic.length > 0 ? [topic] : []), "<IDS|MSG>", signMessage(key, parts), ...parts]).catch(() => undefined);
    }
  } catch {
    // the socket closed (shutdown): no more subscriptions
  }
}

/** Job 6: the first cell's compile (tslab's prelude, the checker's first run), done while the spare waits. */
function warmUp(): void {
  try {
    const converter = (converters as { node?: { convert?: (prevDecl: string, src: string) => unknown } } | null)?.node;
    converter?.convert?.("", "1");
    if (tracing) trace("tslab", "spare-warmed");
  } catch {
    // the first cell pays for it, as without a spare
  }
}

if (tracing) traceStartup();
hookExecutor();
hookServer();
chainZmqSends();
watchBinds();
trace("tslab", "preload-done");
