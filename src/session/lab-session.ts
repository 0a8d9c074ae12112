// The runner's way to the hosts: the lab (brought up only if it is down, and then taken down
// again), one real Jupyter server with the lab's kernelspecs, and for each notebook a session
// whose kernel (ts-juliet / ts-romeo) runs inside its host.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { KernelConnection, ServerConnection, SessionAPI } from "@jupyterlab/services";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { KernelStartError, NotebookError } from "../common/errors";
import { Lab } from "../lab/lab";
import { startJupyter, type JupyterServer } from "../jupyter/server";
import { kernelName } from "../common/paths";
import { KernelClient } from "./kernel-client";
import type { KernelBackend, KernelPair } from "./kernel-pair";
import type { HostNotebook } from "./notebook";

/** How long a kernel may take to start and answer kernel_info. */
const KERNEL_START_TIMEOUT_MS = 60_000;

export interface LabSessionOptions {
  /** The project folder: the server's root; notebooks must lie inside it. */
  root: string;
  /** Lab namespace prefix; default SOCKETS_LAB_PREFIX or "". */
  prefix?: string;
  /** Progress lines (bringing the lab up, the server). */
  log?: (line: string) => void;
}

interface HostSession {
  sessionId: string;
  kernel: KernelConnection;
}

/** How often kernel_info is asked again while a connected kernel has sent no status (see startHostSession). */
const KERNEL_INFO_AGAIN_MS = 3000;
/** How many of the Jupyter server's last log lines a kernel that did not start is told with. */
const SERVER_LOG_LINES = 20;

async function startHostSession(settings: ServerConnection.ISettings, root: string, notebook: HostNotebook, serverLog: (lines: number) => string): Promise<HostSession> {
  const path = relative(root, notebook.path);
  if (path.startsWith("..")) throw new NotebookError("ERR_NOTEBOOK_OUTSIDE_ROOT", `${notebook.path} is outside ${root}: the Jupyter server cannot open it`);
  const model = await SessionAPI.startSession({ path, name: path, type: "notebook", kernel: { name: notebook.kernelName } }, settings);
  if (!model.kernel) throw new KernelStartError("ERR_KERNEL_NOT_STARTED", `${path}: the server started no kernel`);
  const kernel = new KernelConnection({ model: model.kernel, serverSettings: settings, handleComms: false });
  let timer: NodeJS.Timeout | undefined;
  // Why ask again: kernel.info resolves only when the kernel_info request's reply AND its idle
  // status have arrived. The Jupyter server does not "nudge" a kernel it sees busy when the
  // websocket opens (Notebook 6 and jupyter_server alike), so the websocket's new IOPub
  // subscription may not have reached the kernel yet when it publishes that status. The status
  // is then lost, and the promise would wait for ever ("status unknown, websocket connected",
  // seen in CI). A later request's status comes through the established subscription.
  const askAgain = setInterval(() => {
    if (kernel.connectionStatus === "connected" && kernel.status === "unknown") void kernel.requestKernelInfo().catch(() => undefined);
  }, KERNEL_INFO_AGAIN_MS);
  try {
    // kernel_info answered: the kernel runs in its host and listens on all its channels.
    await Promise.race([
      kernel.info,
      new Promise((_, reject) => (timer = setTimeout(() => {
        // What did not answer: the kernel's state as the server reports it, and the server's own words.
        const log = serverLog(SERVER_LOG_LINES);
        reject(new KernelStartError("ERR_KERNEL_TIMEOUT", `${notebook.kernelName} did not start within ${KERNEL_START_TIMEOUT_MS / 1000} s ` +
          `(kernel ${kernel.id}: status ${kernel.status}, websocket ${kernel.connectionStatus})${log ? `; the Jupyter server's last lines:\n${log}` : ""}`));
      }, KERNEL_START_TIMEOUT_MS))),
    ]);
  } catch (err) {
    kernel.dispose();
    await SessionAPI.shutdownSession(model.id, settings).catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
    clearInterval(askAgain);
  }
  return { sessionId: model.id, kernel };
}

/** How long a shutdown waits for Jupyter to finish restarting a kernel that died. */
const RESTART_SETTLE_MS = 10_000;

async function stopHostSession(settings: ServerConnection.ISettings, session: HostSession): Promise<void> {
  // A kernel that died is being restarted by the server; shutting it down half-way through the
  // restart fails in jupyter_client (InvalidStateError) and leaves tslab processes in the host.
  const settleBy = Date.now() + RESTART_SETTLE_MS;
  while (session.kernel.status !== "idle" && session.kernel.status !== "dead" && Date.now() < settleBy) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Close our websocket first: the server's shutdown then reads as ours, not as a lost connection.
  session.kernel.dispose();
  await SessionAPI.shutdownSession(session.sessionId, settings).catch(() => undefined);
}

/**
 * After a kernel died and Jupyter restarted it, @jupyterlab/services reconnects on its own and
 * leaves that reconnect's promise unhandled: disposing the connection then rejects it with
 * "Kernel connection disconnected", which would end the process. Only that one is ignored.
 */
let ignoringReconnectRejection = false;
function ignoreReconnectRejection(): void {
  if (ignoringReconnectRejection) return;
  ignoringReconnectRejection = true;
  process.on("unhandledRejection", (reason) => {
    if (reason instanceof Error && reason.message === "Kernel connection disconnected") return;
    throw reason;
  });
}

/** After a signal, how long the tool's own flow gets to finish its clean-up once the sessions are closed. */
const FLOW_GRACE_MS = 5000;
/** How long a launcher left by a stopped server gets to stop its kernel (host-kernel's own grace is 2 s). */
const LAUNCHER_GRACE_MS = 4000;
/** How long lab down waits for the processes in the hosts (host-kernel, tslab) to end by themselves. */
const HOSTS_IDLE_MS = 5000;

/**
 * Resolves once no process runs in the lab's hosts (or after ms). After the Jupyter server
 * stopped, host-kernel is still stopping tslab and removing its temp folder: lab down would kill
 * it half-way and leave the folder behind.
 */
export async function untilHostsIdle(lab: Lab, ms = HOSTS_IDLE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const pids = (await Promise.all(hostNames.map((host) => lab.pids(host).catch(() => [])))).flat();
    if (pids.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pids of processes whose command line names `text`. */
function processesNaming(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Ends the kernel launchers a stopped server left behind (a server stopped while its kernels were
 * still starting, or killed after its grace, does not end them; on a lab that stays up nothing
 * else would): each names its connection file in the server's data folder. SIGTERM lets a
 * launcher stop host-kernel and tslab; SIGKILL after LAUNCHER_GRACE_MS.
 */
async function endLaunchersOf(dataDir: string): Promise<void> {
  const signal = (pids: number[], name: NodeJS.Signals) => pids.forEach((pid) => { try { process.kill(pid, name); } catch { /* gone */ } });
  let left = processesNaming(join(dataDir, "runtime"));
  signal(left, "SIGTERM");
  const deadline = Date.now() + LAUNCHER_GRACE_MS;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesNaming(join(dataDir, "runtime"));
  }
  signal(left, "SIGKILL");
}

/** Sessions not closed yet: what a Ctrl-C must clean up (see closeOnSignals). */
const openSessions = new Set<LabSession>();
/** Sessions still opening (lab coming up, server starting): a Ctrl-C waits for them, then closes them. */
const openingSessions = new Set<Promise<unknown>>();

/**
 * For the command-line tools: on Ctrl-C or SIGTERM, stop the Jupyter server (it runs in its own
 * process group and would outlive us) and take down a lab we brought up, then exit 130.
 */
/** Closes every session open or opening now (their kernels, servers, labs brought up): for a caller's own Ctrl-C, e.g. the bench's. */
export async function closeOpenSessions(): Promise<void> {
  await Promise.allSettled([...openingSessions]);
  await Promise.allSettled([...openSessions].map((session) => session.close()));
}

export function closeOnSignals(): void {
  let closing = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    // A second signal must not kill us half-way through the clean-up (the server would outlive us).
    if (closing) return void process.stderr.write(`${signal}: still stopping\n`);
    closing = true;
    // The tool's own flow goes on meanwhile (its cells fail as the kernels stop) and runs its own
    // clean-up (e.g. the checker's iptables rules); its exit only tells us it is done: we exit 130
    // once the sessions are closed and the flow is done (or had FLOW_GRACE_MS to be).
    const exit = process.exit.bind(process);
    let flowDone = () => {};
    const flowExited = new Promise<void>((resolve) => (flowDone = resolve));
    process.exit = (() => void flowDone()) as typeof process.exit;
    process.stderr.write(`\n${signal}: stopping the kernels and the Jupyter server${[...openSessions].some((s) => s.broughtUp) ? ", taking the lab down" : ""}\n`);
    await closeOpenSessions();
    await Promise.race([flowExited, new Promise((resolve) => setTimeout(resolve, FLOW_GRACE_MS))]);
    exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

export class LabSession implements KernelBackend {
  private readonly settings: ServerConnection.ISettings;

  private constructor(
    readonly lab: Lab,
    private readonly server: JupyterServer,
    private readonly dataDir: string,
    private readonly root: string,
    /** True when this session brought the lab up: it then takes it down again. */
    readonly broughtUp: boolean,
    /** Milliseconds to bring the lab up (0 if it was up) and start the server. */
    readonly openMs: { lab: number; server: number },
  ) {
    this.settings = server.settings;
  }

  static open(options: LabSessionOptions): Promise<LabSession> {
    const opening = LabSession.openNow(options);
    openingSessions.add(opening);
    const done = () => void openingSessions.delete(opening);
    opening.then(done, done);
    return opening;
  }

  private static async openNow(options: LabSessionOptions): Promise<LabSession> {
    ignoreReconnectRejection();
    const log = options.log ?? (() => {});
    const lab = new Lab({ prefix: options.prefix });
    let started = Date.now();
    const broughtUp = !(await lab.isUp());
    if (broughtUp) {
      log(`bringing the lab up (hosts ${lab.namespace("juliet")}, ${lab.namespace("romeo")})`);
      await lab.up();
    }
    const labMs = broughtUp ? Date.now() - started : 0;
    started = Date.now();
    const dataDir = mkdtempSync(join(tmpdir(), "sockets-runner-jupyter-"));
    try {
      // RUNNER_SERVER_LOG=1 shows the Jupyter server's log (to see why a kernel did not start).
      const server = await startJupyter({ notebookDir: options.root, lab, dataDir, log: process.env.RUNNER_SERVER_LOG ? "inherit" : "capture" });
      const session = new LabSession(lab, server, dataDir, options.root, broughtUp, { lab: labMs, server: Date.now() - started });
      openSessions.add(session);
      return session;
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      if (broughtUp) await lab.down().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Extra environment for each host's kernel started from now on (the checker gives each host
   * its own dialogue words this way: only that host's kernel sees them); {} removes it again.
   */
  setKernelEnv(env: Partial<Record<HostName, Record<string, string>>>): void {
    for (const [host, extra] of Object.entries(env)) {
      const file = join(this.dataDir, "kernels", kernelName(host as HostName), "kernel.json");
      const spec = JSON.parse(readFileSync(file, "utf8"));
      spec.env = { SOCKETS_LAB_PREFIX: this.lab.prefix, ...extra };
      writeFileSync(file, JSON.stringify(spec, null, 2) + "\n", { mode: 0o600 });
    }
  }

  async startPair(notebooks: readonly HostNotebook[]): Promise<KernelPair> {
    const started = Date.now();
    const settled = await Promise.allSettled(notebooks.map((nb) => startHostSession(this.settings, this.root, nb, (lines) => this.server.logTail(lines))));
    const sessions = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) {
      await Promise.all(sessions.map((session) => stopHostSession(this.settings, session)));
      throw failed.reason;
    }
    const startMs = Date.now() - started;
    const kernels = {} as Record<HostName, KernelClient>;
    notebooks.forEach((nb, i) => (kernels[nb.host] = new KernelClient(nb.host, sessions[i].kernel)));
    return {
      kernels,
      startMs,
      stop: async () => {
        await Promise.all(sessions.map((session) => stopHostSession(this.settings, session)));
      },
    };
  }

  async close(): Promise<void> {
    if (!openSessions.delete(this)) return; // closed already (e.g. by a signal)
    await this.server.stop();
    await endLaunchersOf(this.dataDir);
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.broughtUp) {
      await untilHostsIdle(this.lab);
      await this.lab.down();
    }
  }
}
