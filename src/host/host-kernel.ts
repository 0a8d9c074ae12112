// Runs ON a host (inside a lab namespace, or on a testbed host at the end of an ssh command)
// and starts the tslab kernel there, so a notebook cell's sockets are that host's sockets.
//
//   node dist/src/host/host-kernel.js [--relay-dir DIR]      (cwd inside the project)
//
// stdin: first line = the Jupyter connection info as JSON (never on a command line: it holds
// the key); each further line "interrupt" (or a SIGINT to this process) is the stop button:
// sent to tslab's preload on a control channel, stamped with the time it arrived, so it ends
// the cell running then and no later one (see tslab-preload.ts); a SIGINT only if unanswered. stdin closing means the
// launcher is gone: tslab is stopped and this process exits. When tslab exits, this process
// exits with its code. --relay-dir: also serve each kernel port as DIR/<channel>.sock, for a
// launcher in another network namespace (the lab).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, type Server } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Duplex } from "node:stream";
import { parseConnectionInfo } from "./connection";
import { CHANNELS, EXIT_FAILED, INTERRUPT_LINE, RELAY_DIR_OPTION, portOf, relaySocketPath, startedLine, type ConnectionInfo } from "./protocol";
import { listen, relayServer } from "./relay";
import { SANDBOX_ENV, descendantsNaming, heapOption, parseSandboxSpec, sandboxArgv, sandboxEnv, type SandboxSpec } from "./sandbox";
import { trace, traceProcessStart } from "./trace";

const STOP_GRACE_MS = 2000;
/** tslab's preload acks a stop at its next event-loop turn; none by then: the cell blocks the loop, SIGINT it. */
const SIGINT_FALLBACK_MS = 500;
/** The control channel's descriptor in tslab (stdio index 3); the preload reads its number from the environment. */
const CONTROL_FD = 3;
const PROBE_INTERVAL_MS = 10;
/** After the last port listens, the time tslab's bind callbacks need to run (they are queued by then). */
const BIND_SETTLE_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message: string): never {
  process.stderr.write(`host-kernel: ${message}\n`);
  process.exit(EXIT_FAILED);
}

function parseArgs(args: string[]): { relayDir?: string } {
  if (args.length === 0) return {};
  if (args.length === 2 && args[0] === RELAY_DIR_OPTION) return { relayDir: args[1] };
  return fail("usage: node host-kernel.js [--relay-dir DIR]  (connection info as JSON on the first line of stdin)");
}

function tslabEntry(): string {
  try {
    return join(require.resolve("tslab/package.json"), "..", "bin", "tslab");
  } catch {
    return fail("tslab is not installed here: run npm ci in the project on this host");
  }
}

/**
 * Resolves once tslab can take requests on all its ports: when its preload says "listening" (its
 * five binds have resolved), or, without that line (a tslab the preload cannot hook), once every
 * port accepts a connection on 127.0.0.1 and tslab has had a moment to finish its binds.
 */
async function untilListening(ports: number[], told: Promise<void>): Promise<void> {
  let said = false;
  const preload = told.then(() => {
    said = true;
    trace("host-kernel", "preload-listening");
  });
  const accepts = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createConnection({ host: "127.0.0.1", port });
      probe.once("connect", () => (probe.destroy(), resolve(true)));
      probe.once("error", () => (probe.destroy(), resolve(false)));
    });
  const probed = (async () => {
    const waiting = new Set(ports);
    let rounds = 0;
    while (waiting.size > 0 && !said) {
      rounds++;
      for (const port of [...waiting]) if (!said && (await accepts(port))) waiting.delete(port);
      if (waiting.size > 0 && !said) await sleep(PROBE_INTERVAL_MS);
    }
    if (said) return;
    trace("host-kernel", "ports-listen", { rounds });
    await sleep(BIND_SETTLE_MS);
  })();
  await Promise.race([preload, probed]);
}

/**
 * The stop button: each press goes to tslab's preload as "interrupt <n> <monotonic ns>"; the
 * preload answers "ack <n>" as soon as its event loop reads it. Unanswered, `sigint` is the way.
 * The same channel brings the preload's "listening" (tslab's binds done): `listening` is called.
 */
function stopButton(control: Duplex, sigint: () => void, listening: () => void): () => void {
  const unanswered = new Map<number, NodeJS.Timeout>();
  let presses = 0;
  // tslab gone (a forced restart kills it with lines unread: ECONNRESET): its exit handler ends
  // us. readline re-emits its input's errors on the Interface, so it needs its own handler too.
  control.on("error", () => undefined);
  const acks = createInterface({ input: control, crlfDelay: Infinity });
  acks.on("error", () => undefined);
  acks.on("line", (line) => {
    if (line.trim() === "listening") return listening();
    const match = /^ack (\d+)$/.exec(line.trim());
    const timer = match ? unanswered.get(Number(match[1])) : undefined;
    if (timer === undefined) return;
    clearTimeout(timer);
    unanswered.delete(Number(match![1]));
  });
  return () => {
    const press = ++presses;
    control.write(`interrupt ${press} ${process.hrtime.bigint()}\n`);
    unanswered.set(press, setTimeout(() => {
      unanswered.delete(press);
      sigint();
    }, SIGINT_FALLBACK_MS).unref());
  };
}

async function main(): Promise<void> {
  traceProcessStart("host-kernel");
  const { relayDir } = parseArgs(process.argv.slice(2));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // The launcher killed (jupyter_client's restart_kernel(now=True) sends SIGKILL) can reset
  // stdin (ECONNRESET) instead of closing it: the same as a close, never a crash.
  process.stdin.on("error", () => lines.close());
  const lineIterator = lines[Symbol.asyncIterator]();
  const first = await lineIterator.next();
  if (first.done) fail("stdin closed before the connection info arrived");
  let info: ConnectionInfo;
  try {
    info = parseConnectionInfo(first.value);
  } catch (err) {
    fail((err as Error).message);
  }

  // A private file for tslab's --config-path; removed when we exit.
  // In the lab it goes into the relay folder: the launcher removes that one even if this process
  // is killed (lab down ends the host's processes with SIGKILL), so nothing is left in /tmp.
  const dir = relayDir ?? mkdtempSync(join(tmpdir(), "host-kernel-"));
  const connectionFile = join(dir, "connection.json");
  writeFileSync(connectionFile, JSON.stringify(info), { mode: 0o600 });

  // The grader's sandbox (sandbox.ts): tslab, and so every cell, runs unprivileged and contained;
  // this process stays outside, as root, and relays the ports as before.
  let sandbox: SandboxSpec | undefined;
  if (process.env[SANDBOX_ENV]) {
    try {
      sandbox = parseSandboxSpec(process.env[SANDBOX_ENV]!);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const entry = tslabEntry();
  const kernelArgv = [process.execPath, ...(sandbox ? [heapOption(sandbox)] : []), "--require", join(__dirname, "tslab-preload.js"), entry, "kernel", "--config-path", connectionFile];
  const controlEnv = { SOCKETS_KERNEL_CONTROL_FD: String(CONTROL_FD) };
  const [program, ...args] = sandbox ? sandboxArgv(sandbox, kernelArgv, sandboxEnv(process.env, controlEnv), process.cwd(), [connectionFile]) : kernelArgv;
  const { [SANDBOX_ENV]: _spec, ...ownEnv } = process.env;
  // Own process group: a Ctrl-C meant for a terminal or launcher reaches tslab only through us.
  trace("host-kernel", "spawn-tslab");
  const tslab = spawn(program, args, {
    stdio: ["ignore", "inherit", "inherit", "pipe"],
    env: sandbox ? {} : { ...ownEnv, ...controlEnv },
    detached: true,
  });
  process.stderr.write(`${startedLine(tslab.pid, hostname())}\n`);
  // In the sandbox tslab is bwrap's grandchild, and bwrap forwards no signal: it is signalled itself.
  const sigint = () => {
    const targets = sandbox && tslab.pid ? descendantsNaming(tslab.pid, entry) : [];
    if (!sandbox) tslab.kill("SIGINT");
    for (const pid of targets) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // ended meanwhile
      }
    }
  };
  let preloadListening = () => {};
  const told = new Promise<void>((resolve) => (preloadListening = resolve));
  const interrupt = stopButton(tslab.stdio[CONTROL_FD] as Duplex, sigint, () => preloadListening());

  const servers: Server[] = [];
  let stopping = false;
  const cleanUp = () => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
    // The relay folder lives as long as the kernel: gone also when the launcher was killed (kill -9).
    if (relayDir) rmSync(relayDir, { recursive: true, force: true });
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    tslab.kill("SIGTERM");
    setTimeout(() => tslab.kill("SIGKILL"), STOP_GRACE_MS).unref();
  };
  tslab.on("exit", (code, signal) => {
    cleanUp();
    process.exit(code ?? (signal === "SIGTERM" || signal === "SIGKILL" ? 0 : 1));
  });
  tslab.on("error", (err) => {
    cleanUp();
    fail(`could not start tslab: ${err.message}`);
  });
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);

  // Commands from the launcher, read from the start: it may go away while tslab is starting.
  (async () => {
    for (;;) {
      const next = await lineIterator.next().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) break;
      const command = next.value.trim();
      if (command === INTERRUPT_LINE) interrupt();
      else if (command !== "") process.stderr.write(`host-kernel: ignoring unknown command ${JSON.stringify(command)}\n`);
    }
    stop(); // stdin closed: the launcher is gone
  })();

  if (relayDir) {
    // tslab binds its five sockets at once and fails (EBUSY, then never answers) if a request
    // arrives on shell while iopub is still binding: open the way in only once all five listen.
    await untilListening(CHANNELS.map((channel) => portOf(info, channel)), told);
    for (const channel of CHANNELS) {
      const server = relayServer({ host: "127.0.0.1", port: portOf(info, channel) });
      servers.push(server);
      await listen(server, { path: relaySocketPath(relayDir, channel) }).catch((err: Error) => {
        stop();
        fail(`cannot serve ${channel} in ${relayDir}: ${err.message}`);
      });
    }
    trace("host-kernel", "relays-served");
  }
}

main().catch((err: Error) => fail(err.message));
