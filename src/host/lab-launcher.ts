// The lab kernelspecs' program (ts-romeo / ts-juliet): Jupyter starts it in the default
// namespace with a connection file; it starts host-kernel inside the host and relays the five
// kernel ports to it through unix sockets. Jupyter's interrupt (SIGINT) becomes an "interrupt"
// line; if this process dies, host-kernel sees its stdin close and stops tslab.
//
//   node dist/src/host/lab-launcher.js <host> <connection_file>
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { Lab } from "../lab/lab";
import { parseConnectionInfo } from "./connection";
import { CHANNELS, EXIT_FAILED, INTERRUPT_LINE, RELAY_DIR_OPTION, portOf, relaySocketPath, type ConnectionInfo } from "./protocol";
import { listen, relayServer } from "./relay";
import { SANDBOX_ENV, joinCgroups, parseSandboxSpec } from "./sandbox";
import { trace, traceProcessStart } from "./trace";

const STOP_GRACE_MS = 3000;

function fail(message: string): never {
  process.stderr.write(`lab-launcher: ${message}\n`);
  process.exit(EXIT_FAILED);
}

async function main(): Promise<void> {
  traceProcessStart("launcher");
  const [host, connectionFile] = process.argv.slice(2);
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

  for (const channel of CHANNELS) {
    const server = relayServer({ path: relaySocketPath(relayDir, channel) });
    await listen(server, { host: "127.0.0.1", port: portOf(info, channel) }).catch((err: Error) => {
      stop();
      fail(`cannot listen on 127.0.0.1:${portOf(info, channel)} (${channel}): ${err.message}`);
    });
  }
  trace("launcher", "listening");
}

main().catch((err: Error) => fail(err.message));
