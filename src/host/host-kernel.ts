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
//
//   node dist/src/host/host-kernel.js --spare DIR --owner PID               (the lab's spare kernel)
//
// A spare (spare.ts): tslab starts at once and does its slow loading, then waits; a launcher's
// claim on DIR/claim.sock brings the connection info, and from there on this process is that
// launcher's host-kernel (the same stop button, stop and exit), its talk in frames on the claim
// connection. Unclaimed, it ends when PID (the Jupyter server) is gone, or on SIGTERM, leaving nothing.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { Duplex } from "node:stream";
import { parseConnectionInfo } from "./connection";
import { CHANNELS, EXIT_FAILED, INTERRUPT_LINE, RELAY_DIR_OPTION, portOf, relaySocketPath, startedLine, type ConnectionInfo } from "./protocol";
import { listen, relayServer } from "./relay";
import { SANDBOX_ENV, descendantsNaming, heapOption, parseSandboxSpec, sandboxArgv, sandboxEnv, type SandboxSpec } from "./sandbox";
import { trace, traceProcessStart } from "./trace";
import { CLAIM_SOCKET, OWNER_OPTION, PID_FILE, SPARE_ENV, SPARE_OPTION, frame, isOurSpareDir, parseFrame, type ClaimFrame, type SpareFrame } from "./spare";

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

function parseArgs(args: string[]): { relayDir?: string; spare?: { dir: string; owner: number } } {
  if (args.length === 0) return {};
  if (args.length === 2 && args[0] === RELAY_DIR_OPTION) return { relayDir: args[1] };
  if (args.length === 4 && args[0] === SPARE_OPTION && args[2] === OWNER_OPTION && /^[1-9]\d*$/.test(args[3])) {
    return { spare: { dir: args[1], owner: Number(args[3]) } };
  }
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
function stopButton(control: Duplex, sigint: () => void, listening: () => void, other: (line: string) => void = () => {}): () => void {
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
    if (!match) return other(line.trim());
    const timer = unanswered.get(Number(match[1]));
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

/** tslab, with its preload and the control channel on fd 3; a spare's waits for its connection info. */
function spawnTslab(configPath: string, spare: boolean): ChildProcess {
  // Own process group: a Ctrl-C meant for a terminal or launcher reaches tslab only through us.
  trace("host-kernel", "spawn-tslab");
  return spawn(process.execPath, ["--require", join(__dirname, "tslab-preload.js"), tslabEntry(), "kernel", "--config-path", configPath], {
    // A spare's output goes to the launcher that claims it (frames), not to whoever started it.
    stdio: ["ignore", spare ? "pipe" : "inherit", spare ? "pipe" : "inherit", "pipe"],
    env: { ...process.env, SOCKETS_KERNEL_CONTROL_FD: String(CONTROL_FD), ...(spare ? { [SPARE_ENV]: "1" } : {}) },
    detached: true,
  });
}

/** Serves DIR/<channel>.sock for each of tslab's ports once they take requests (see untilListening). */
async function serveRelays(info: ConnectionInfo, relayDir: string, told: Promise<void>, servers: Server[]): Promise<void> {
  // tslab binds its five sockets at once and fails (EBUSY, then never answers) if a request
  // arrives on shell while iopub is still binding: open the way in only once all five listen.
  await untilListening(CHANNELS.map((channel) => portOf(info, channel)), told);
  for (const channel of CHANNELS) {
    const server = relayServer({ host: "127.0.0.1", port: portOf(info, channel) });
    servers.push(server);
    await listen(server, { path: relaySocketPath(relayDir, channel) }).catch((err: Error) => {
      throw new Error(`cannot serve ${channel} in ${relayDir}: ${err.message}`);
    });
  }
  trace("host-kernel", "relays-served");
}

/** How often an unclaimed spare checks that its owner (the Jupyter server) is still there. */
const OWNER_POLL_MS = 200;
/** How long an ending spare waits for its tslab to be gone (SIGKILL: at once). */
const SPARE_END_MS = 2000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes DIR for this spare: made 0700 with our pid in it. False when another spare has it (one is
 * enough); a folder left by a spare that is gone (killed) is removed and taken.
 */
function takeSpareDir(dir: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, PID_FILE), String(process.pid), { mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || !isOurSpareDir(dir)) return false;
      let pid = 0;
      try {
        pid = Number(readFileSync(join(dir, PID_FILE), "utf8"));
      } catch {
        return false; // being made by another spare right now
      }
      if (pid > 0 && alive(pid)) return false;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return false;
}

async function spareMain(dir: string, owner: number): Promise<void> {
  if (!alive(owner) || !takeSpareDir(dir)) process.exit(0);
  const spareEnv = { ...process.env };
  let folder = dir; // DIR until claimed, then the kernel's own folder
  const tslab = spawnTslab(join(dir, "connection.json"), true);
  let ending = false;
  /** Unclaimed: ends tslab and removes the folder; nothing of the spare is left. */
  const endUnclaimed = () => {
    if (ending) return;
    ending = true;
    tslab.kill("SIGKILL");
    // The folder goes last: a server stopping waits for it (tslab is gone then).
    const end = () => {
      rmSync(folder, { recursive: true, force: true });
      process.exit(0);
    };
    if (tslab.exitCode !== null || tslab.signalCode !== null) end();
    tslab.once("exit", end);
    setTimeout(end, SPARE_END_MS).unref();
  };
  process.on("SIGTERM", endUnclaimed);
  process.on("SIGHUP", endUnclaimed);
  process.on("SIGINT", endUnclaimed);
  tslab.on("error", endUnclaimed);
  tslab.on("exit", endUnclaimed);
  const ownerWatch = setInterval(() => alive(owner) || endUnclaimed(), OWNER_POLL_MS);

  // tslab's output before a claim (none, normally) is kept for the launcher that claims it.
  let send: ((value: SpareFrame) => void) | null = null;
  const early: SpareFrame[] = [];
  const output = (name: "stdout" | "stderr") => (chunk: Buffer) => {
    const value = { [name]: chunk.toString() };
    if (send) send(value);
    else if (early.length < 100) early.push(value);
  };
  tslab.stdout!.on("data", output("stdout"));
  tslab.stderr!.on("data", output("stderr"));

  let preloadListening = () => {};
  const told = new Promise<void>((resolve) => (preloadListening = resolve));
  let waiting = () => {};
  const preloadWaits = new Promise<void>((resolve) => (waiting = resolve));
  const control = tslab.stdio[CONTROL_FD] as Duplex;
  const interrupt = stopButton(control, () => tslab.kill("SIGINT"), () => preloadListening(), (line) => {
    if (line === "spare-waiting") waiting();
    else if (line === "no-spare") endUnclaimed();
  });

  const onClaim = (connection: Socket, lines: ReturnType<typeof createInterface>, claim: ClaimFrame | null) => {
    clearInterval(ownerWatch);
    claims.close();
    process.removeListener("SIGTERM", endUnclaimed);
    process.removeListener("SIGHUP", endUnclaimed);
    process.removeListener("SIGINT", endUnclaimed);
    tslab.removeListener("exit", endUnclaimed);
    tslab.removeListener("error", endUnclaimed);
    // The fixed name is free for the next spare at once; the claim socket goes with the rename.
    folder = join(dirname(dir), `${basename(dir).replace("-spare-", "-")}-${randomBytes(4).toString("hex")}`);
    renameSync(dir, folder);
    rmSync(join(folder, CLAIM_SOCKET), { force: true });
    rmSync(join(folder, PID_FILE), { force: true });
    // The next spare (same folder, owner, working folder and environment as this one had), once
    // this kernel listens: its start would slow this one's binds and first reply (2 cores).
    const startNext = () => spawn(process.execPath, [__filename, SPARE_OPTION, dir, OWNER_OPTION, String(owner)], { cwd: process.cwd(), env: spareEnv, detached: true, stdio: "ignore" }).unref();

    let open = true;
    connection.on("close", () => (open = false));
    send = (value) => {
      if (open) connection.write(frame(value));
    };
    send({ relayDir: folder });
    const servers: Server[] = [];
    let stopping = false;
    const cleanUp = () => {
      for (const server of servers) server.close();
      rmSync(folder, { recursive: true, force: true });
    };
    const exit = (code: number) => {
      cleanUp();
      send!({ exit: code });
      connection.end(() => process.exit(code));
      setTimeout(() => process.exit(code), 1000).unref();
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      tslab.kill("SIGTERM");
      setTimeout(() => tslab.kill("SIGKILL"), STOP_GRACE_MS).unref();
    };
    tslab.on("exit", (code, signal) => exit(code ?? (signal === "SIGTERM" || signal === "SIGKILL" ? 0 : 1)));
    process.on("SIGINT", interrupt);
    process.on("SIGTERM", stop);
    process.on("SIGHUP", stop);
    // The launcher gone (killed, or stopping): as stdin's close on the cold path.
    connection.on("close", stop);

    let info: ConnectionInfo;
    try {
      info = parseConnectionInfo(JSON.stringify(claim?.connection ?? null));
    } catch (err) {
      send({ stderr: `host-kernel: ${(err as Error).message}\n` });
      stop();
      tslab.removeAllListeners("exit");
      tslab.once("exit", () => exit(EXIT_FAILED));
      return;
    }
    const configPath = join(folder, "connection.json");
    writeFileSync(configPath, JSON.stringify(info), { mode: 0o600 });
    // The preload binds now, in the environment the launcher has (what a cold tslab would get).
    control.write(`start ${JSON.stringify({ configPath, env: claim?.env ?? spareEnv })}\n`);
    send({ stderr: `${startedLine(tslab.pid, hostname())}\n` });
    for (const value of early.splice(0)) send(value);
    lines.on("line", (line) => {
      if (parseFrame<ClaimFrame>(line)?.interrupt) interrupt();
    });
    serveRelays(info, folder, told, servers).then(startNext, (err: Error) => {
      send!({ stderr: `host-kernel: ${err.message}\n` });
      stop();
    });
  };

  // Claims only once the preload holds tslab's binds: a tslab it could not hook would bind the
  // (absent) connection file's ports at once; such a spare is never claimed and ends with its owner.
  await preloadWaits;
  let claimed = false;
  const claims = createServer((connection) => {
    connection.on("error", () => connection.destroy());
    const lines = createInterface({ input: connection, crlfDelay: Infinity });
    lines.on("error", () => undefined);
    lines.once("line", (first) => {
      // A second launcher at the same moment: it sees the close and starts a kernel of its own.
      if (claimed || ending) return connection.destroy();
      claimed = true;
      onClaim(connection, lines, parseFrame<ClaimFrame>(first));
    });
  });
  claims.on("error", endUnclaimed);
  await listen(claims, { path: join(dir, CLAIM_SOCKET) }).catch(endUnclaimed);

}

async function main(): Promise<void> {
  traceProcessStart("host-kernel");
  const { relayDir, spare } = parseArgs(process.argv.slice(2));
  if (spare) return spareMain(spare.dir, spare.owner);
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
  // this process stays outside, as root, and relays the ports as before. (Never a spare: see lab-launcher.)
  let sandbox: SandboxSpec | undefined;
  if (process.env[SANDBOX_ENV]) {
    try {
      sandbox = parseSandboxSpec(process.env[SANDBOX_ENV]!);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const entry = tslabEntry();
  let tslab: ChildProcess;
  if (sandbox) {
    const kernelArgv = [process.execPath, heapOption(sandbox), "--require", join(__dirname, "tslab-preload.js"), entry, "kernel", "--config-path", connectionFile];
    const [program, ...args] = sandboxArgv(sandbox, kernelArgv, sandboxEnv(process.env, { SOCKETS_KERNEL_CONTROL_FD: String(CONTROL_FD) }), process.cwd(), [connectionFile]);
    trace("host-kernel", "spawn-tslab");
    tslab = spawn(program, args, { stdio: ["ignore", "inherit", "inherit", "pipe"], env: {}, detached: true });
  } else tslab = spawnTslab(connectionFile, false);
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
    await serveRelays(info, relayDir, told, servers).catch((err: Error) => {
      stop();
      fail(err.message);
    });
  }
}

main().catch((err: Error) => fail(err.message));
