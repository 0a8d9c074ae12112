// The lab kernelspecs' program (ts-romeo / ts-juliet): Jupyter starts it in the default
// namespace with a connection file; it starts host-kernel inside the host and relays the five
// kernel ports to it through unix sockets. Jupyter's interrupt (SIGINT) becomes an "interrupt"
// line; if this process dies, host-kernel sees its stdin close and stops tslab.
//
// The spare (spare.ts): when a spare kernel of the same Jupyter server (our parent) and working
// folder waits in the host, this launcher claims it and hands it the connection info instead of
// starting host-kernel: the kernel is there in the time of a handover (a start, and above all a
// restart). Either way a new spare is started in the background for the next kernel. No spare (or
// SOCKETS_KERNEL_QUICK_START=0, the bench's "before", or SOCKETS_KERNEL_SPARES=0): the cold start, as before.
//
//   node dist/src/host/lab-launcher.js <host> <connection_file>
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { Lab } from "../lab/lab";
import { parseConnectionInfo } from "./connection";
import { CHANNELS, EXIT_FAILED, INTERRUPT_LINE, RELAY_DIR_OPTION, portOf, relaySocketPath, type ConnectionInfo } from "./protocol";
import { listen, relayServer } from "./relay";
import { CLAIM_SOCKET, OWNER_OPTION, PID_FILE, SPARES_ENV, SPARE_OPTION, frame, isOurSpareDir, parseFrame, spareDir, type SpareFrame } from "./spare";
import { SANDBOX_ENV, joinCgroups, parseSandboxSpec } from "./sandbox";
import { trace, traceProcessStart } from "./trace";

const STOP_GRACE_MS = 3000;
/** A spare answers a claim at once (a rename); no answer by then: it is not there to take it. */
const CLAIM_ANSWER_MS = 2000;
/** `lab-launcher.js <host> --spare-for <pid>`: only start a spare owned by that server (server.ts, at its start). */
export const SPARE_FOR_OPTION = "--spare-for";
/** A cold kernel not up by then: its spare is started anyway. */
const SPARE_AFTER_MAX_MS = 30_000;
/** How long a launcher waits for a spare that is still loading (its process runs) before it starts cold. */
const SPARE_WAIT_MS = 30_000;

function fail(message: string): never {
  process.stderr.write(`lab-launcher: ${message}\n`);
  process.exit(EXIT_FAILED);
}

/** Whether this kernel may use spares: not in the bench's "before" runs, nor with SOCKETS_KERNEL_SPARES=0. */
export function sparesWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SOCKETS_KERNEL_QUICK_START !== "0" && env[SPARES_ENV] !== "0";
}

/** Starts a spare for (host, owner, cwd) in the background, unless one is there (it ends with its owner). */
export function startSpare(lab: Lab, host: HostName, owner: number, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const dir = spareDir(lab.namespace(host), owner, cwd);
  if (existsSync(dir)) return;
  const [cmd, ...args] = lab.hostArgv(host, [process.execPath, join(__dirname, "host-kernel.js"), SPARE_OPTION, dir, OWNER_OPTION, String(owner)]);
  // Its own session: Jupyter's signals to this launcher's group (a restart's SIGKILL) are not for it.
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: "ignore" });
  child.on("error", () => undefined);
  child.unref();
}

/** Lines of the claim connection read before runClaimed listens. */
let pending: string[] = [];

/** Whether the spare in `dir` still runs (its pid file names a live process). */
function spareRuns(dir: string): boolean {
  try {
    process.kill(Number(readFileSync(join(dir, PID_FILE), "utf8")), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

type Claimed = { connection: Socket; lines: ReturnType<typeof createInterface>; relayDir: string };

/**
 * Claims the spare: the claim connection and the kernel's folder, or null (then: a cold start).
 * A spare still loading (no claim socket yet) is waited for: started earlier, it is up before a
 * cold start begun now would be.
 */
async function claimSpare(dir: string, info: ConnectionInfo): Promise<Claimed | null> {
  const giveUpAt = Date.now() + SPARE_WAIT_MS;
  for (;;) {
    if (!isOurSpareDir(dir)) return null;
    const claimed = await claimOnce(dir, info);
    if (claimed !== "not-yet") return claimed;
    if (!spareRuns(dir) || Date.now() > giveUpAt) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function claimOnce(dir: string, info: ConnectionInfo): Promise<Claimed | null | "not-yet"> {
  return new Promise((resolve) => {
    const connection = createConnection({ path: join(dir, CLAIM_SOCKET) });
    const lines = createInterface({ input: connection, crlfDelay: Infinity });
    lines.on("error", () => undefined);
    const timer = setTimeout(() => give(null), CLAIM_ANSWER_MS);
    let given = false;
    const give = (relayDir: string | null | "not-yet") => {
      if (given) return;
      given = true;
      clearTimeout(timer);
      if (relayDir === null || relayDir === "not-yet") {
        lines.close();
        connection.destroy();
        resolve(relayDir);
      } else resolve({ connection, lines, relayDir });
    };
    connection.once("error", (err: NodeJS.ErrnoException) => give(err.code === "ENOENT" || err.code === "ECONNREFUSED" ? "not-yet" : null));
    connection.once("close", () => give(null));
    connection.once("connect", () => connection.write(frame({ connection: info, env: process.env as Record<string, string> })));
    // readline emits the lines of one chunk at once: those after the first wait for runClaimed.
    const later: string[] = [];
    lines.on("line", (line) => {
      if (given) return later.push(line);
      const relayDir = parseFrame<SpareFrame>(line)?.relayDir;
      give(typeof relayDir === "string" && relayDir.startsWith(tmpdir()) ? relayDir : null);
    });
    pending = later;
  });
}

/** Listens on the five kernel ports on 127.0.0.1, each relayed to relayDir/<channel>.sock. */
async function relayPorts(info: ConnectionInfo, relayDir: string, stop: () => void): Promise<void> {
  for (const channel of CHANNELS) {
    const server = relayServer({ path: relaySocketPath(relayDir, channel) });
    await listen(server, { host: "127.0.0.1", port: portOf(info, channel) }).catch((err: Error) => {
      stop();
      fail(`cannot listen on 127.0.0.1:${portOf(info, channel)} (${channel}): ${err.message}`);
    });
  }
  trace("launcher", "listening");
}

/** The claimed spare is this launcher's host-kernel: the same protocol, in frames (spare.ts). */
async function runClaimed(info: ConnectionInfo, claimed: Claimed): Promise<void> {
  const { connection, lines, relayDir } = claimed;
  let code: number | undefined;
  const onLine = (line: string) => {
    const value = parseFrame<SpareFrame>(line);
    if (typeof value?.stderr === "string") process.stderr.write(value.stderr);
    if (typeof value?.stdout === "string") process.stdout.write(value.stdout);
    if (typeof value?.exit === "number") code = value.exit;
  };
  lines.removeAllListeners("line");
  lines.on("line", onLine);
  for (const line of pending.splice(0)) onLine(line);
  connection.on("error", () => connection.destroy());
  connection.on("close", () => {
    // host-kernel removes the folder too; this covers a host-kernel killed outright.
    rmSync(relayDir, { recursive: true, force: true });
    process.exit(code ?? EXIT_FAILED);
  });
  let stopping = false;
  process.on("SIGINT", () => connection.writable && connection.write(frame({ interrupt: true })));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    connection.end();
    // host-kernel stops tslab (SIGTERM, SIGKILL 2 s later) and then closes; not closed by then: gone.
    setTimeout(() => connection.destroy(), STOP_GRACE_MS).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  await relayPorts(info, relayDir, stop);
}

async function main(): Promise<void> {
  traceProcessStart("launcher");
  const [host, connectionFile, owner] = process.argv.slice(2);
  // The Jupyter server's first spares (src/jupyter/server.ts): `lab-launcher.js <host> --spare-for <server pid>`.
  if (hostNames.includes(host as HostName) && connectionFile === SPARE_FOR_OPTION && /^[1-9]\d*$/.test(owner ?? "")) {
    const lab = new Lab();
    if (lab.hasHost(host as HostName) && sparesWanted()) startSpare(lab, host as HostName, Number(owner), process.cwd());
    return;
  }
  if (!hostNames.includes(host as HostName) || !connectionFile) {
    fail(`usage: node lab-launcher.js ${hostNames.join("|")} <connection_file>`);
  }
  const lab = new Lab();
  if (!lab.hasHost(host as HostName)) fail(`the lab is not up (no host ${lab.namespace(host as HostName)}): run npm run lab:up, or npm start`);
  let info: ConnectionInfo;
  try {
    info = parseConnectionInfo(readFileSync(connectionFile, "utf8"));
  } catch (err) {
    fail(`${connectionFile}: ${(err as Error).message}`);
  }

  if (process.env[SANDBOX_ENV]) {
    // The grader's sandbox: everything from here on (host-kernel, tslab, the cells' processes)
    // in the kernel's cgroup, joined before anything is started (see sandbox.ts).
    try {
      joinCgroups(parseSandboxSpec(process.env[SANDBOX_ENV]!));
    } catch (err) {
      fail(`cannot join the sandbox's cgroup: ${(err as Error).message}`);
    }
  }

  // The owner of the spares this launcher uses and starts: the Jupyter server that started it.
  const server = process.ppid;
  // Never a spare for a sandboxed kernel: a spare's tslab was started outside the sandbox.
  if (!process.env[SANDBOX_ENV] && sparesWanted()) {
    const claimed = await claimSpare(spareDir(lab.namespace(host as HostName), server, process.cwd()), info);
    if (claimed) {
      // The claimed spare starts the next one itself.
      trace("launcher", "spare-claimed");
      return runClaimed(info, claimed);
    }
  }

  const relayDir = mkdtempSync(join(tmpdir(), `lab-kernel-${host}-`));
  const cleanUp = () => rmSync(relayDir, { recursive: true, force: true });
  const [cmd, ...args] = lab.hostArgv(host as HostName, [process.execPath, join(__dirname, "host-kernel.js"), RELAY_DIR_OPTION, relayDir]);
  // Own process group: Jupyter signals our group; host-kernel hears only what we forward.
  trace("launcher", "spawn-host-kernel");
  const child = spawn(cmd, args, { stdio: ["pipe", "inherit", "inherit"], detached: true });
  child.stdin.write(JSON.stringify(info) + "\n");
  child.stdin.on("error", () => undefined); // host-kernel gone: its exit handler below ends us
  child.on("exit", (code, signal) => {
    cleanUp();
    process.exit(code ?? (signal ? 1 : 0));
  });

  let stopping = false;
  process.on("SIGINT", () => child.stdin.writable && child.stdin.write(`${INTERRUPT_LINE}\n`));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    child.stdin.end();
    setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  await relayPorts(info, relayDir, stop);
  // A spare for the next kernel (or restart), once this one is up: warming beside a cold start
  // (2 cores) would slow it down. host-kernel serves hb.sock last, when tslab takes requests.
  if (sparesWanted()) {
    const ready = join(relayDir, "hb.sock");
    const giveUpAt = Date.now() + SPARE_AFTER_MAX_MS;
    const poll = setInterval(() => {
      if (!existsSync(ready) && Date.now() < giveUpAt) return;
      clearInterval(poll);
      startSpare(lab, host as HostName, server, process.cwd());
    }, 50);
    poll.unref();
  }
}

if (require.main === module) main().catch((err: Error) => fail(err.message));
